"""The public surface is exactly what `__all__` says, and the layers import only downwards."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import textwrap
from types import ModuleType

import pytest

import hotbed
from hotbed import hmr

PACKAGES = ["hotbed", "hotbed.reload", "hotbed.dev", "hotbed.app", "hotbed.app.codegen"]


def _every_module() -> list[str]:
    names = ["hotbed"]
    for info in pkgutil.walk_packages(hotbed.__path__, "hotbed."):
        if info.name != "hotbed.__main__":
            names.append(info.name)
    return sorted(names)


def _public_names(module: ModuleType) -> set[str]:
    """What `from module import *` would expose by convention: no `_names`, no submodules, no imports."""
    names = set()
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if isinstance(value, ModuleType):
            continue  # a submodule, or a module it imported
        if getattr(value, "__module__", module.__name__) != module.__name__:
            continue  # imported from elsewhere (re-exports are listed in __all__ explicitly)
        names.add(name)
    return names


def test_package_face() -> None:
    assert hotbed.__all__ == sorted(hotbed.__all__)
    assert hotbed.__all__ == [
        "ApiError",
        "BadRequestError",
        "BaseModel",
        "ConfigError",
        "ConflictError",
        "EntityError",
        "ForbiddenError",
        "Hot",
        "HotContext",
        "HotbedError",
        "NotFoundError",
        "RequestContext",
        "RestartRequired",
        "UnauthorizedError",
        "__version__",
        "api",
        "context",
        "hmr",
        "hot",
    ]
    assert set(hotbed.__all__) <= set(dir(hotbed))
    from hotbed.app.api import api
    from hotbed.app.models import BaseModel
    from hotbed.exceptions import BadRequestError
    from hotbed.reload.hot import hot

    assert (hotbed.api, hotbed.BaseModel, hotbed.BadRequestError, hotbed.hot) == (api, BaseModel, BadRequestError, hot)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = hotbed.nope  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", PACKAGES[1:])
def test_layer_packages_list_their_public_names(name: str) -> None:
    package = importlib.import_module(name)
    assert package.__all__ == sorted(package.__all__)
    exported = set(package.__all__)
    assert _public_names(package) <= exported
    assert all(hasattr(package, n) for n in exported)


@pytest.mark.parametrize("name", _every_module())
def test_every_module_declares_what_it_exports(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list), f"{name} has no __all__"
    assert len(set(module.__all__)) == len(module.__all__), f"{name}.__all__ repeats a name"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"


def test_hmr_exports() -> None:
    assert sorted(hmr.__all__) == hmr.__all__
    public = [
        "dump",
        "enabled",
        "hot_disabled",
        "init",
        "invalidate_file",
        "on_new_read",
        "read_files",
        "reload",
        "shutdown",
        "starting_up",
    ]
    assert hmr.__all__ == public


def _loaded_after(code: str, env: dict[str, str] | None = None) -> list[str]:
    """The modules a fresh interpreter holds after running `code`."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return loaded


def _foreign(loaded: list[str], *prefixes: str) -> list[str]:
    return [m for m in loaded if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_the_engine_runs_on_the_standard_library_alone(tmp_path: object) -> None:
    loaded = _loaded_after(
        f"""
        import hotbed.reload
        from hotbed.reload import hmr
        from hotbed.reload.types import Change
        engine = hmr.init({str(tmp_path)!r})
        hmr.reload([Change({str(tmp_path)!r} + "/none.py")])
        hmr.shutdown()
        """
    )
    assert _foreign(loaded, "hotbed.dev", "hotbed.app", "hotbed.config", "hotbed_lsp") == []
    assert _foreign(loaded, "pydantic", "starlette", "sqlalchemy", "rich", "uvicorn", "watchfiles", "pygls") == []
    stdlib = set(sys.stdlib_module_names)
    top = {m.split(".")[0] for m in loaded if not m.startswith("_")}
    third_party = sorted(top - stdlib - {"hotbed"})
    assert third_party == [], "the engine must need nothing but the standard library"


def test_hot_in_production_loads_no_framework() -> None:
    import os

    loaded = _loaded_after(
        """
        import hotbed
        hot = hotbed.hot(__name__)
        assert not hot.enabled
        """,
        env={**os.environ, "HOT": "no"},
    )
    assert _foreign(loaded, "hotbed.dev", "hotbed.app", "pydantic", "starlette", "sqlalchemy", "rich") == []


def test_the_dev_server_never_imports_the_framework() -> None:
    """Every dev-server module, imported in a fresh interpreter, leaves the framework unloaded."""
    dev_modules = [m for m in _every_module() if m.startswith("hotbed.dev.")]
    loaded = _loaded_after("\n".join(f"import {m}" for m in dev_modules))
    assert _foreign(loaded, "hotbed.app", "hotbed_lsp", "sqlalchemy") == []


def test_the_framework_never_imports_the_editor_side() -> None:
    app_modules = [m for m in _every_module() if m.startswith("hotbed.app.")]
    loaded = _loaded_after("\n".join(f"import {m}" for m in app_modules))
    assert _foreign(loaded, "hotbed_lsp", "hotbed.cli") == []
