"""Fixtures shared by every suite: `make_project`/`project`, a throwaway project the engine tracks."""

pytest_plugins = ["tests.helpers.engine_project"]
