from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hotbed.dev.devserver import bind_socket, is_loopback, resolve_target
from hotbed.exceptions import ConfigError
from hotbed.reload.engine import DEFAULT_BOUNDARIES, DEFAULT_RESTART


def test_module_target_is_imported_from_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("app = None\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "server.py").write_text("api = None\n")
    spec = resolve_target("main:app", tmp_path)
    assert (spec.module, spec.attribute, spec.import_root, spec.project_root) == (
        "main",
        "app",
        str(tmp_path.resolve()),
        str(tmp_path.resolve()),
    )
    assert resolve_target("main", tmp_path).attribute == "app"
    assert resolve_target("pkg.server:api", tmp_path).target == "pkg.server:api"


def test_file_inside_a_package_is_imported_as_a_package_module(tmp_path: Path) -> None:
    app_dir = tmp_path / "examples" / "shop" / "api"
    app_dir.mkdir(parents=True)
    for folder in (tmp_path / "examples" / "shop", app_dir):
        (folder / "__init__.py").write_text("")
    (app_dir / "main.py").write_text("app = None\n")
    spec = resolve_target("examples/shop/api/main.py", tmp_path)
    assert spec.module == "shop.api.main"
    assert spec.import_root == spec.project_root == str((tmp_path / "examples").resolve())
    assert resolve_target("examples/shop/api/__init__.py", tmp_path).module == "shop.api"


def test_plain_file_is_imported_from_its_folder(tmp_path: Path) -> None:
    (tmp_path / "server.py").write_text("app = None\n")
    spec = resolve_target("server.py", tmp_path)
    assert (spec.module, spec.import_root) == ("server", str(tmp_path.resolve()))


def test_a_folder_target_is_the_entity_project_it_holds(tmp_path: Path) -> None:
    project = tmp_path / "services" / "blog"
    (project / "src").mkdir(parents=True)
    (project / "hotbed.toml").write_text('source-root = "src"\n')
    spec = resolve_target("services/blog", tmp_path)
    assert (spec.kind, spec.project_root, spec.import_root) == ("project", str(project), str(project / "src"))
    assert resolve_target(None, project).project_root == str(project), "no target: the folder it runs in"

    (tmp_path / "plain").mkdir()
    with pytest.raises(ConfigError, match=r"no hotbed project in plain .*hotbed new NAME"):
        resolve_target("plain", tmp_path)


def test_a_module_app_takes_boundaries_and_restart_globs_from_its_settings(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("app = None\n")
    spec = resolve_target("main:app", tmp_path)
    assert (spec.boundaries, spec.restart) == (DEFAULT_BOUNDARIES, DEFAULT_RESTART)

    (tmp_path / "hotbed.toml").write_text('restart = [".env", "config/*.yaml"]\n')
    spec = resolve_target("main:app", tmp_path)
    assert (spec.boundaries, spec.restart) == (DEFAULT_BOUNDARIES, (".env", "config/*.yaml"))
    assert spec.kind == "app", "settings alone do not make an entity project of a `module:app` target"

    (tmp_path / "hotbed.toml").write_text('boundaries = ["./api/**/*.py"]\n')
    assert resolve_target("main:app", tmp_path).boundaries == ("./api/**/*.py",)

    (tmp_path / "hotbed.toml").write_text("boundaries = 3\n")
    with pytest.raises(ConfigError, match="boundaries"):
        resolve_target("main:app", tmp_path)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (None, "module:app"),
        ("missing.py", "no such file"),
        ("nothere:app", "cannot find module"),
        ("main:not-valid", "is not a target"),
        ("1bad:app", "is not a target"),
    ],
)
def test_bad_targets_name_the_expected_forms(tmp_path: Path, target: str | None, message: str) -> None:
    (tmp_path / "main.py").write_text("app = None\n")
    with pytest.raises(ConfigError, match=message) as error:
        resolve_target(target, tmp_path)
    assert "module:app" in str(error.value)


def test_loopback_detection() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "::", "example.com"))


def test_bound_socket_accepts_connections_before_any_worker_exists() -> None:
    sock = bind_socket("127.0.0.1", 0)
    try:
        host, port = sock.getsockname()
        with socket.create_connection((host, port), timeout=5):
            pass  # queued in the backlog: not refused
        with pytest.raises(ConfigError, match="cannot listen"):
            bind_socket("127.0.0.1", port)
    finally:
        sock.close()


def test_a_port_in_use_says_how_to_pick_another() -> None:
    held = bind_socket("127.0.0.1", 0)
    try:
        port = held.getsockname()[1]
        with pytest.raises(ConfigError, match=r"--port N, HOTBED_PORT=N or `port = N` in hotbed.toml"):
            bind_socket("127.0.0.1", port).close()
    finally:
        held.close()
