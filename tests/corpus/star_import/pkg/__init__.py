__all__ = ["NAME", "tools"]

NAME = "pkg"
