import cycle_a


def version() -> int:
    return cycle_a.VERSION
