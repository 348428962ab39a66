from __future__ import annotations

import subprocess
import sys

import hotbed


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from hotbed.cli import main; main(['--version'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"hotbed {hotbed.__version__}"


def test_unknown_command_exits_with_usage() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from hotbed.cli import main; main(['frobnicate'])"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "invalid choice" in out.stderr
