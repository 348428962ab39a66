"""Plugins found by a computed module name, as a plugin registry would."""

import importlib
from types import ModuleType

NAMES = ("alpha",)

handlers: dict[str, ModuleType] = {name: importlib.import_module(f".plugin_{name}", __package__) for name in NAMES}
