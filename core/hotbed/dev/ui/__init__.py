"""The dev UI at `/_hotbed/`: routes, module graph, reload timeline, entity forms, on its own loopback port."""

from hotbed.dev.ui.server import DevUi, EditorFactory, EntityEditor

__all__ = ["DevUi", "EditorFactory", "EntityEditor"]
