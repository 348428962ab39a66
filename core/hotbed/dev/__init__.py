"""The dev server: supervisor, workers, the watcher, the control channel, the console.

Built on the engine (`hotbed.reload`) and nothing else of hotbed: it serves any ASGI app,
and an entity project through the `ProjectLoader` the command line hands it, so the
framework (`hotbed.app`) sits above it. Its modules are imported by their full names;
importing this package loads none of them.
"""

__all__: list[str] = []
