"""The wheel: both import packages, typed, and a description written for someone installing it."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

REPO = Path(__file__).parents[1]


def test_the_wheel_ships_both_packages_and_a_description_for_users(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("hotbed-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    layers = ("hotbed/reload/engine.py", "hotbed/dev/supervisor.py", "hotbed/app/syncer.py", "hotbed_lsp/server.py")
    assert set(layers) <= names
    assert {"hotbed/py.typed", "hotbed_lsp/py.typed"} <= names
    assert {"hotbed/dev/ui/static/ui.js", "hotbed/dev/ui/static/ui.css"} <= names  # the dev UI's page behaviour
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    description = metadata.get_payload()
    assert isinstance(description, str)
    assert description.startswith("# hotbed\n\nHot module replacement")
    assert "pip install hotbed" in description
    assert "make " not in description, "the package page is for users, not for developing hotbed"


def test_the_vsix_validates_entity_files_with_the_packaged_schema() -> None:
    """VS Code resolves `jsonValidation` URLs inside the extension: the schema must be in the .vsix."""
    extension = REPO / "vscode-extension"
    built = subprocess.run(["npm", "run", "package"], cwd=extension, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    manifest = json.loads((extension / "package.json").read_text())
    with zipfile.ZipFile(extension / "dist" / f"hotbed-{manifest['version']}.vsix") as archive:
        packaged = json.loads(archive.read("extension/package.json"))
        (validation,) = packaged["contributes"]["jsonValidation"]
        assert validation["fileMatch"] == "*.entity.json"
        schema = archive.read("extension/" + validation["url"].removeprefix("./"))
    assert schema == (REPO / "core/hotbed/app/entity.schema.json").read_bytes()
