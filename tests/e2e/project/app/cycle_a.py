from . import cycle_b

A = "a1"


def describe() -> str:
    return f"{A}+{cycle_b.B}"
