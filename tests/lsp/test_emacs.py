"""Emacs (batch mode, eglot) running the Lisp of docs/emacs.md: what it shows after saves, and what is served.

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

EMACS = shutil.which("emacs")
DRIVER = Path(__file__).with_name("emacs") / "driver.el"
DOCS = REPO / "docs" / "emacs.md"
BROKEN = "value = (1,  # never closed"


def documented_lisp() -> str:
    blocks = re.findall(r"^```elisp\n(.*?)^```$", DOCS.read_text(), re.DOTALL | re.MULTILINE)
    assert blocks and "hotbed-project-root" in blocks[0], "docs/emacs.md has no hotbed configuration block"
    return "\n".join(blocks)


def test_emacs_shows_reload_errors_and_the_fix_is_served(
    app: App, start_dev: Callable[..., DevServer], tmp_path: Path
) -> None:
    assert EMACS is not None, "emacs not found: `make test` installs Debian's emacs-nox and elpa-eglot"
    (app.root / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    dev = start_dev()
    source = app.module.read_text()
    config = tmp_path / "hotbed.el"
    config.write_text(documented_lisp())
    params = {
        "config": str(config),
        "file": str(app.module),
        "broken": BROKEN,
        "fixed": source.replace(app.old, app.new, 1),
        "out": str(tmp_path / "emacs-results.json"),
    }
    (tmp_path / "params.json").write_text(json.dumps(params))
    completed = subprocess.run(
        [EMACS, "--batch", "-l", str(DRIVER)],
        cwd=app.module.parent,  # a subfolder of the project, as a person opens one
        env={"HOTBED_PARAMS": str(tmp_path / "params.json"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 3,
    )
    out = Path(params["out"])
    assert out.exists(), f"emacs wrote no results: {completed.stdout}\n{completed.stderr}\n{dev.output.text}"
    results = json.loads(out.read_text())
    assert results["error"] is None, f"{results['error']}\n{completed.stderr}"
    broken, fixed = results["steps"]
    line = len(source.splitlines())  # 0-based: the line appended after the last one
    assert [(d[1], d[2]) for d in broken["diagnostics"]] == [(line, BROKEN.index("("))], broken
    assert "never closed" in broken["diagnostics"][0][0]
    assert broken["state"] == "error"
    assert broken["modeline"].startswith(" hotbed error: ")
    assert fixed["diagnostics"] == []
    assert fixed["state"] == "ok"
    assert fixed["modeline"] == " hotbed ok"
    assert "dear" in dev.served()
