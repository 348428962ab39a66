import cycle_b  # noqa: F401  (the cycle)

from hotbed import hot

context = hot(__name__)
context.accept()
VERSION = 1
if context.data.get("seen"):
    context.invalidate()  # a reload: its importers, cycle_b among them, must run again
context.data["seen"] = True
