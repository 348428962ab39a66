"""Project configuration: `[tool.hotbed]` in `pyproject.toml`, or a `hotbed.toml`.

Every setting resolves in one order: explicit argument, then a `HOTBED_*` environment
variable, then the file, then the default. Paths in the file are relative to the
project folder. Example `hotbed.toml` (in `pyproject.toml` the same keys go under
`[tool.hotbed]`):

    source-root = "src"
    entities = "src/**/*.entity.json"
    frontend-dir = "web/src/services"
    api-prefix = "/api"
    database-url = "sqlite:///.hotbed/db.sqlite3"
    boundaries = ["./src/**/*.py"]
    restart = [".env", "pyproject.toml", "hotbed.toml"]
    port = 8000
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from hotbed.exceptions import ConfigError

__all__ = ["STATE_DIR", "ProjectConfig", "load_config"]

STATE_DIR = ".hotbed"
_DEFAULT_RESTART = (".env", "pyproject.toml", "hotbed.toml")


class _FileSettings(BaseModel):
    """The keys a configuration file may hold; pydantic reports wrong types and unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=lambda name: name.replace("_", "-"))

    source_root: str | None = None
    entities: str | None = None
    frontend_dir: str | None = None
    api_prefix: str | None = None
    database_url: str | None = None
    boundaries: tuple[str, ...] | None = None
    restart: tuple[str, ...] | None = None
    port: int | None = None


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """A project's settings, resolved. `root` is absolute; the other paths are relative to it."""

    root: Path
    source_root: str = "src"
    entities: str = "src/**/*.entity.json"
    frontend_dir: str = "web/src/services"
    api_prefix: str = "/api"
    database_url: str = f"sqlite:///{STATE_DIR}/db.sqlite3"
    boundaries: tuple[str, ...] = ("./src/**/*.py",)
    restart: tuple[str, ...] = _DEFAULT_RESTART
    port: int = 8000  # `hotbed dev`'s HTTP port
    config_file: Path | None = None
    explicit: frozenset[str] = frozenset()  # the settings the file, the environment or an argument gave

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def checksums_path(self) -> Path:
        return self.state_dir / "checksums.json"

    @property
    def source_path(self) -> Path:
        return self.root / self.source_root

    @property
    def frontend_path(self) -> Path:
        return self.root / self.frontend_dir


def _read_file(root: Path) -> tuple[Path | None, Mapping[str, Any]]:
    """The first configuration found: `hotbed.toml`, else `pyproject.toml [tool.hotbed]`."""
    for name in ("hotbed.toml", "pyproject.toml"):
        path = root / name
        try:
            with path.open("rb") as handle:
                document = tomllib.load(handle)
        except FileNotFoundError:
            continue
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read it: {exc}") from exc
        if name == "hotbed.toml":
            return path, document
        section = document.get("tool", {}).get("hotbed")
        if section is not None:
            if not isinstance(section, dict):
                raise ConfigError(f"{path}: [tool.hotbed] must be a table")
            return path, section
    return None, {}


def _env_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for field in _FileSettings.model_fields:
        value = environ.get(f"HOTBED_{field.upper()}")
        if value is None:
            continue
        if field in {"boundaries", "restart"}:
            found[field] = _env_list(value)
        elif field == "port":
            try:
                found[field] = int(value)
            except ValueError:
                raise ConfigError(f"HOTBED_PORT must be a port number, got {value!r}") from None
        else:
            found[field] = value
    return found


def _check(settings: Mapping[str, Any]) -> None:
    port = settings.get("port")
    if port is not None and not 0 <= port <= 65535:
        raise ConfigError(f"port must be between 0 and 65535, got {port}")
    prefix = settings.get("api_prefix")
    if prefix is not None and not str(prefix).startswith("/"):
        raise ConfigError(f"api-prefix must start with '/', got {prefix!r}")
    for key in ("source_root", "frontend_dir"):
        value = settings.get(key)
        if value is not None and Path(value).is_absolute():
            raise ConfigError(f"{key.replace('_', '-')} must be relative to the project folder, got {value!r}")


def load_config(
    project_dir: str | os.PathLike[str] = ".",
    *,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> ProjectConfig:
    """Resolve the configuration of the project in `project_dir`.

    Args:
        project_dir: the project folder (holding `pyproject.toml` or `hotbed.toml`).
        environ: the environment to read `HOTBED_*` variables from; default `os.environ`.
        **overrides: explicit values (`source_root=`, `frontend_dir=`, ...); None means unset.

    Raises:
        ConfigError: unreadable file, unknown key, wrong type or impossible value.
    """
    root = Path(project_dir).resolve()
    if not root.is_dir():
        raise ConfigError(f"project folder {root} does not exist")
    unknown = set(overrides) - set(_FileSettings.model_fields)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    config_file, raw = _read_file(root)
    try:
        from_file = _FileSettings.model_validate(raw).model_dump(exclude_none=True)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigError(f"{config_file}: {problems}") from exc
    settings: dict[str, Any] = {**from_file, **_from_env(os.environ if environ is None else environ)}
    settings.update({key: value for key, value in overrides.items() if value is not None})
    for key in ("boundaries", "restart"):
        if key in settings:
            settings[key] = tuple(settings[key])
    _check(settings)
    explicit = frozenset(settings)
    source_root = str(settings.get("source_root", "src")).strip("/") or "."
    settings.setdefault("entities", f"{source_root}/**/*.entity.json" if source_root != "." else "**/*.entity.json")
    settings.setdefault("boundaries", (f"./{source_root}/**/*.py",) if source_root != "." else ("**/*.py",))
    settings["source_root"] = source_root
    return ProjectConfig(root=root, config_file=config_file, explicit=explicit, **settings)
