from __future__ import annotations

import pytest

from hotbed.reload.globs import GlobSet


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("./src/**/*.py", "src/app.py", True),
        ("./src/**/*.py", "src/user/user.model.py", True),
        ("./src/**/*.py", "settings.py", False),
        ("./src/**/*.py", "src/notes.txt", False),
        ("**/*.py", "main.py", True),
        ("**/*.py", "a/b/c.py", True),
        (".env", ".env", True),
        (".env", "config/.env", True),
        (".env", "x.env", False),
        ("pyproject.toml", "pyproject.toml", True),
        ("config/*.toml", "config/app.toml", True),
        ("config/*.toml", "config/deep/app.toml", False),
        ("src/?.py", "src/a.py", True),
        ("src/?.py", "src/ab.py", False),
    ],
)
def test_glob_matching(pattern: str, path: str, expected: bool) -> None:
    assert GlobSet([pattern]).matches(path) is expected


def test_empty_set_matches_nothing() -> None:
    assert not GlobSet([]).matches("main.py")
