VALUE = 1


def label() -> str:
    return "tool"
