"""Headless Neovim 0.11 running the Lua of docs/neovim.md: what it shows after saves, and what is served.

The configuration is read from the documentation at test time, so the two cannot drift
apart; the dev server runs without its watcher, so only the language server can have
brought the saves in.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.lsp.conftest import REPO, TIMEOUT, App, DevServer

NVIM = shutil.which("nvim", path=str(Path(sys.executable).parent)) or shutil.which("nvim")
INIT = Path(__file__).with_name("nvim") / "init.lua"
DOCS = REPO / "docs" / "neovim.md"
BROKEN = "value = (1,  # never closed"  # SyntaxError: '(' was never closed, at column 9


def documented_lua() -> str:
    """Every Lua block of docs/neovim.md, in order: the client configuration, then the statusline."""
    blocks = re.findall(r"^```lua\n(.*?)^```$", DOCS.read_text(), re.DOTALL | re.MULTILINE)
    assert blocks and 'vim.lsp.config("hotbed"' in blocks[0], "docs/neovim.md has no hotbed configuration block"
    return "\n".join(blocks)


def test_neovim_shows_reload_errors_and_the_fix_is_served(
    app: App, start_dev: Callable[..., DevServer], tmp_path: Path
) -> None:
    assert NVIM is not None, "nvim not found: the dev extra (pip install -e '.[dev]') brings it"
    # The documented command is the project's `.venv/bin/python`: here, the interpreter running the tests.
    (app.root / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    dev = start_dev()
    source = app.module.read_text()
    config = tmp_path / "hotbed.lua"
    config.write_text(documented_lua())
    params = {
        "config": str(config),
        "file": str(app.module),
        "broken": BROKEN,
        "fixed": source.replace(app.old, app.new, 1).splitlines(),
        "out": str(tmp_path / "nvim-results.json"),
        "env": str(app.root / ".env"),
    }
    (app.root / ".env").write_text("# read by the app's settings\n")
    (tmp_path / "params.json").write_text(json.dumps(params))
    # As a person starts Neovim: in a subfolder of the entity project, and above the plain app's
    # project (a folder holding several), from where the file is opened by its path.
    cwd = app.module.parent if app.target == "" else tmp_path
    assert cwd != app.root
    completed = subprocess.run(
        [NVIM, "--headless", "--clean", "-u", str(INIT)],
        cwd=cwd,
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
    line = len(source.splitlines())  # 0-based: the line appended after the last one
    assert [(d["code"], d["lnum"], d["col"]) for d in broken["diagnostics"]] == [
        ("reload-error", line, BROKEN.index("("))
    ]
    assert broken["status"]["state"] == "error"
    assert broken["statusline"].startswith("hotbed ✗ error: ")
    assert "never closed" in broken["statusline"]
    assert fixed["diagnostics"] == []
    assert fixed["status"]["state"] == "ok"
    assert fixed["statusline"] == "hotbed ✓ ok"
    applied = fixed["status"]["report"]
    assert str(app.module) in applied["reexecuted"] + applied["patched"]
    assert "dear" in dev.served()
    assert results["env_filetype"] == "sh"
    dev.output.wait_for(r"worker (\d+) serving", count=2)  # `.env` saved: a new worker, brought in by the editor
