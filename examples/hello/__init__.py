"""A small FastAPI app served by `hotbed dev examples/hello/main.py` (try `make dev`).

Edit `routes.py` or `models.py` while it runs: the next request gets the new code, with
no restart. Edit `settings.py` (it declines hot reload) and the worker restarts instead.
"""
