"""The public surface is exactly what `__all__` says."""

from __future__ import annotations

import hotbed
from hotbed import hmr


def test_package_exports() -> None:
    assert hotbed.__all__ == sorted(hotbed.__all__)
    assert hotbed.__all__ == ["Hot", "HotContext", "__version__", "hot"]
    assert all(hasattr(hotbed, name) for name in hotbed.__all__)


def test_hmr_exports() -> None:
    assert sorted(hmr.__all__) == hmr.__all__
    assert hmr.__all__ == ["dump", "enabled", "hot_disabled", "init", "invalidate_file", "reload", "shutdown"]
