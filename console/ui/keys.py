"""One source for keys: a hint on screen names the key that its binding really has."""

from __future__ import annotations

from functools import cache

from textual.binding import Binding


@cache
def _bindings() -> dict[str, Binding]:
    """Every binding with an id, of the app and of every screen and widget that has one."""
    from console.ui.app import RollbackApp
    from console.ui.incident_screens import screen_classes
    from console.ui.screens import (
        close,
        confirm_run,
        dialogs,
        drills,
        home,
        picker,
        proposal,
        quit,
        trigger,
    )
    from console.ui.widgets import host_tree

    classes: list[type] = [
        RollbackApp,
        home.HomeScreen,
        trigger.TriggerScreen,
        picker.PickerScreen,
        *(cls for _, cls in screen_classes()),
        close.CloseDialog,
        confirm_run.RunConfirm,
        confirm_run.NotifyDialog,
        drills.DrillsScreen,
        drills.DrillReport,
        quit.QuitDialog,
        proposal.ProposalDialog,
        dialogs.TextPrompt,
        host_tree.HostTree,
    ]
    found: dict[str, Binding] = {}
    for cls in classes:
        for klass in reversed(cls.__mro__):
            for binding in getattr(klass, "BINDINGS", []):
                if isinstance(binding, Binding) and binding.id:
                    found[binding.id] = binding
    return found


def binding(binding_id: str) -> Binding:
    """The binding of that id, as declared (a keymap may change its key)."""
    return _bindings()[binding_id]


def key_of(binding_id: str, keymap: dict[str, str]) -> str:
    """The key that triggers the binding now: the keymap's, else the declared first key."""
    return keymap.get(binding_id, binding(binding_id).key).split(",")[0]
