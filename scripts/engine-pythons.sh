#!/usr/bin/env bash
# Run the engine's tests (tests/reload) on every other Python the machine has (3.12, 3.13
# under ~/.pyenv/versions/): the patcher reads bytecode, which changes between versions.
# Each gets its own virtualenv, .venv-pyX.Y, with the project and what tests/reload needs.
set -euo pipefail
cd "$(dirname "$0")/.."
found=0
for python in "$HOME"/.pyenv/versions/3.12*/bin/python3 "$HOME"/.pyenv/versions/3.13*/bin/python3; do
    [[ -x "$python" ]] || continue
    version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    venv=".venv-py$version"
    if [[ ! -f "$venv/.installed-stamp" || pyproject.toml -nt "$venv/.installed-stamp" ]]; then
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet -e . pytest pytest-timeout pytest-asyncio fastapi httpx sqlmodel pydantic-settings
        touch "$venv/.installed-stamp"
    fi
    echo "engine-pythons.sh: tests/reload on Python $version" >&2
    # Python 3.13's sqlite3 warns about connections closed by the garbage collector; one
    # SQLAlchemy test leaves one to it there (not on 3.11/3.12, where warnings fail the run).
    "$venv/bin/python" -m pytest -q -p no:cacheprovider -W "ignore::ResourceWarning" tests/reload tests/test_exports.py
    found=$((found + 1))
done
if [[ $found -eq 0 ]]; then
    echo "engine-pythons.sh: no Python 3.12 or 3.13 under ~/.pyenv/versions" >&2
    exit 1
fi
