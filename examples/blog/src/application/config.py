"""Settings read once at start-up: a change to this file restarts the worker."""

import hotbed

hotbed.hot(__name__).decline()

WELCOME = "Hello"
