"""The reload engine: import tracking, the module graph, transactional re-execution, `hot`.

The lowest layer. It runs on the standard library alone and imports nothing from the
dev server (`hotbed.dev`) or the framework (`hotbed.app`); both build on it.
"""

from hotbed.reload import hmr
from hotbed.reload.hot import Hot, HotContext, hot
from hotbed.reload.types import Change, ChangeEvent, ReloadError, ReloadResult, RestartReason

__all__ = ["Change", "ChangeEvent", "Hot", "HotContext", "ReloadError", "ReloadResult", "RestartReason", "hmr", "hot"]
