from . import cycle_a

B = "b1"


def describe() -> str:
    return f"{B}+{cycle_a.A}"
