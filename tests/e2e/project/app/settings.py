"""Read once at startup: a change here needs a new worker."""

import hotbed

hotbed.hot(__name__).decline()

MODE = "one"
