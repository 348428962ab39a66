"""Project configuration: explicit argument -> HOTBED_* variable -> file -> default."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotbed.config import ProjectConfig, load_config
from hotbed.exceptions import ConfigError


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(tmp_path, environ={})
    assert config == ProjectConfig(root=tmp_path.resolve())
    assert config.checksums_path == tmp_path.resolve() / ".hotbed" / "checksums.json"
    assert config.boundaries == ("./src/**/*.py",) and config.entities == "src/**/*.entity.json"


def test_pyproject_tool_hotbed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.hotbed]\nsource-root = "app"\nfrontend-dir = "ui/api"\n'
        'api-prefix = "/v1"\ndatabase-url = "postgresql://localhost/x"\nrestart = [".env", "settings.py"]\n'
    )
    config = load_config(tmp_path, environ={})
    assert config.config_file == tmp_path.resolve() / "pyproject.toml"
    assert (config.source_root, config.frontend_dir, config.api_prefix) == ("app", "ui/api", "/v1")
    assert config.database_url == "postgresql://localhost/x" and config.restart == (".env", "settings.py")
    assert config.entities == "app/**/*.entity.json" and config.boundaries == ("./app/**/*.py",)


def test_hotbed_toml_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.hotbed]\napi-prefix = "/from-pyproject"\n')
    (tmp_path / "hotbed.toml").write_text('api-prefix = "/from-hotbed-toml"\nentities = "entities/*.entity.json"\n')
    config = load_config(tmp_path, environ={})
    assert config.api_prefix == "/from-hotbed-toml" and config.entities == "entities/*.entity.json"


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("hotbed.toml", 'source-root = "app"\nboundaries = ["./app/api/**/*.py", "./app/models/*.py"]\n'),
        (
            "pyproject.toml",
            '[tool.hotbed]\nsource-root = "app"\nboundaries = ["./app/api/**/*.py", "./app/models/*.py"]\n',
        ),
    ],
)
def test_boundaries_from_the_file(tmp_path: Path, file: str, text: str) -> None:
    (tmp_path / file).write_text(text)
    config = load_config(tmp_path, environ={})
    # Given explicitly, they replace the default derived from the source root.
    assert config.boundaries == ("./app/api/**/*.py", "./app/models/*.py") and "boundaries" in config.explicit
    assert load_config(tmp_path, environ={"HOTBED_BOUNDARIES": "app/*.py"}).boundaries == ("app/*.py",)


def test_environment_beats_file_and_argument_beats_environment(tmp_path: Path) -> None:
    (tmp_path / "hotbed.toml").write_text('frontend-dir = "file"\napi-prefix = "/file"\n')
    environ = {"HOTBED_FRONTEND_DIR": "env", "HOTBED_API_PREFIX": "/env", "HOTBED_BOUNDARIES": "a/*.py, b/*.py"}
    config = load_config(tmp_path, environ=environ, api_prefix="/arg", frontend_dir=None)
    assert (config.frontend_dir, config.api_prefix) == ("env", "/arg")
    assert config.boundaries == ("a/*.py", "b/*.py")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("frontend_dir = 'x'\n", "frontend_dir"),
        ("api-prefix = 3\n", "api-prefix"),
        ("api-prefix = 'api'\n", "must start with '/'"),
        ("source-root = '/abs'\n", "relative"),
        ("source-root = \n", "cannot read"),
        ("boundaries = './src/**/*.py'\n", "boundaries"),
    ],
)
def test_bad_settings_are_config_errors(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "hotbed.toml").write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_config(tmp_path, environ={})


def test_unknown_override_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load_config(tmp_path, environ={}, colour="red")
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope", environ={})


def test_port_resolves_argument_environment_file_default(tmp_path: Path) -> None:
    assert load_config(tmp_path, environ={}).port == 8000
    (tmp_path / "hotbed.toml").write_text("port = 8123\n")
    assert load_config(tmp_path, environ={}).port == 8123
    assert load_config(tmp_path, environ={"HOTBED_PORT": "8124"}).port == 8124
    assert load_config(tmp_path, environ={"HOTBED_PORT": "8124"}, port=8125).port == 8125
    with pytest.raises(ConfigError, match="HOTBED_PORT must be a port number"):
        load_config(tmp_path, environ={"HOTBED_PORT": "eighty"})
    (tmp_path / "hotbed.toml").write_text("port = 70000\n")
    with pytest.raises(ConfigError, match="between 0 and 65535"):
        load_config(tmp_path, environ={})
