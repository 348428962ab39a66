"""The language server's view of a project agrees with what `hotbed dev` serves."""

from __future__ import annotations

from pathlib import Path

from hotbed_lsp.workspace import ProjectLayout


def test_settings_without_entities_describe_a_module_app(tmp_path: Path) -> None:
    (tmp_path / "hotbed.toml").write_text('restart = ["data/*.txt"]\n')
    layout = ProjectLayout.load(tmp_path)
    assert layout.boundaries.matches("main.py"), "every module is a boundary, as in `hotbed dev main:app`"
    assert layout.restart.matches("data/flags.txt")
    assert layout.syncs(str(tmp_path / "data" / "flags.txt"))

    (tmp_path / "hotbed.toml").write_text('boundaries = ["./api/**/*.py"]\n')
    layout = ProjectLayout.load(tmp_path)
    assert layout.boundaries.matches("api/routes.py") and not layout.boundaries.matches("main.py")


def test_an_entity_project_has_its_source_root_boundaries(tmp_path: Path) -> None:
    (tmp_path / "hotbed.toml").write_text('restart = [".env"]\n')
    entity = tmp_path / "src" / "application" / "user" / "user.entity.json"
    entity.parent.mkdir(parents=True)
    entity.write_text("{}")
    layout = ProjectLayout.load(tmp_path)
    assert layout.boundaries.matches("src/application/user/user_api.py")
    assert not layout.boundaries.matches("main.py")
    assert layout.import_roots == ((tmp_path / "src").resolve(), tmp_path.resolve())
