"""hotbed: hot module replacement for Python API servers, driven from the editor."""

from hotbed.hot import Hot, HotContext, hot

__version__ = "0.1.0"

__all__ = ["Hot", "HotContext", "__version__", "hot"]
