"""Headless Neovim 0.11 with the documented `vim.lsp.config`: what it shows after saves, and what is served."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.server.conftest import TIMEOUT, App, DevServer

NVIM = shutil.which("nvim", path=str(Path(sys.executable).parent)) or shutil.which("nvim")
INIT = Path(__file__).with_name("nvim") / "init.lua"


def test_neovim_shows_reload_errors_and_the_fix_is_served(
    app: App, start_dev: Callable[[], DevServer], tmp_path: Path
) -> None:
    assert NVIM is not None, "nvim not found: the dev extra (pip install -e '.[dev]') brings it"
    dev = start_dev()
    source = app.module.read_text()
    lines = source.splitlines()
    params = {
        "python": sys.executable,
        "file": str(app.module),
        "broken_line": len(lines) - 1,
        "fixed": source.replace(app.old, app.new, 1).splitlines(),
        "out": str(tmp_path / "nvim-results.json"),
    }
    (tmp_path / "params.json").write_text(json.dumps(params))
    completed = subprocess.run(
        [NVIM, "--headless", "--clean", "-u", str(INIT)],
        cwd=app.root,
        env={"HOTBED_PARAMS": str(tmp_path / "params.json"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 3,
    )
    out = Path(params["out"])
    assert out.exists(), f"nvim wrote no results: {completed.stdout}\n{completed.stderr}\n{dev.output.text}"
    results = json.loads(out.read_text())
    assert results.get("error") is None, results["error"]
    broken, fixed = results["steps"]
    assert [(d["code"], d["lnum"]) for d in broken["diagnostics"]] == [("reload-error", params["broken_line"] - 1)]
    assert broken["status"]["state"] == "error"
    assert fixed["diagnostics"] == []
    assert fixed["status"]["state"] == "ok"
    assert str(app.module) in fixed["status"]["report"]["reexecuted"]
    assert "dear" in app.served(dev.get(app.url))
