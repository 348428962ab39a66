"""Settings read once at startup; this module declines hot reload, so a change restarts the worker."""

import hotbed

hotbed.hot(__name__).decline()

GREETING_PREFIX = "Hello"
