"""One source for keys: a hint on screen names the key that its binding really has."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding


def _first() -> list[type]:
    """The app's and the home screen's: every key the first frame names."""
    from console.ui.app import RollbackApp
    from console.ui.screens.home import HomeScreen

    return [RollbackApp, HomeScreen]


def every_class() -> list[type]:
    """Every class that declares a binding with an id."""
    return [*_first(), *_rest()]


def _rest() -> list[type]:
    """Every other screen and widget with a binding id: importing them all (the export
    screen loads Markdown) costs about a tenth of a second, so only when a label needs it."""
    from console.ui.incident_screens import screen_classes
    from console.ui.screens import (
        close,
        confirm_run,
        dialogs,
        drills,
        notify_dialog,
        picker,
        proposal,
        quit,
        trigger,
    )
    from console.ui.widgets import host_tree

    return [
        trigger.TriggerScreen,
        picker.PickerScreen,
        *(cls for _, cls in screen_classes()),
        close.CloseDialog,
        confirm_run.RunConfirm,
        notify_dialog.NotifyDialog,
        drills.DrillsScreen,
        drills.DrillReport,
        quit.QuitDialog,
        proposal.ProposalDialog,
        dialogs.TextPrompt,
        host_tree.HostTree,
    ]


# Where bindings are declared, cheapest first; an id is declared in one class only
# (tests/test_ui_keys.py), so the order of the search changes no answer.
_STAGES: list[Callable[[], list[type]]] = [_first, _rest]
_found: dict[str, Binding] = {}


def declared(cls: type) -> dict[str, Binding]:
    """The bindings with an id that `cls` has, a subclass's over its bases'."""
    found: dict[str, Binding] = {}
    for klass in reversed(cls.__mro__):
        for binding in getattr(klass, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found[binding.id] = binding
    return found


def binding(binding_id: str) -> Binding:
    """The binding of that id, as declared (a keymap may change its key)."""
    while binding_id not in _found and _STAGES:
        _read_stage()
    return _found[binding_id]


def _read_stage() -> None:
    for cls in _STAGES.pop(0)():
        for found_id, found in declared(cls).items():
            _found.setdefault(found_id, found)


def warm_up_keys() -> None:
    """Read every binding now (an incident was just opened, the console is idle): the
    first hint naming a screen's key otherwise imports the modules that declare them at
    the step's start, the longest moment of the console at 200 hosts (bench/RESULTS.md)."""
    while _STAGES:
        _read_stage()


def key_of(binding_id: str, keymap: dict[str, str]) -> str:
    """The key that triggers the binding now: the keymap's, else the declared first key."""
    return keymap.get(binding_id, binding(binding_id).key).split(",")[0]


def keymap_conflicts(keymap: dict[str, str]) -> list[tuple[str, str]]:
    """(binding id, why) for each key a [keymap] entry gives that another binding of the
    same screen (or the app's, which a screen's key shadows) has too: one of the two would
    never act, and nothing would say which."""
    from console.ui.app import RollbackApp

    warm_up_keys()
    app = declared(RollbackApp)
    found: dict[str, str] = {}
    for cls in every_class():
        bindings = declared(cls) if cls is RollbackApp else {**app, **declared(cls)}
        holders: dict[str, list[str]] = {}
        for binding_id, declared_binding in bindings.items():
            for key in keymap.get(binding_id, declared_binding.key).split(","):
                holders.setdefault(key, []).append(binding_id)
        for key, ids in holders.items():
            for binding_id in (i for i in ids if i in keymap and len(ids) > 1):
                others = ", ".join(i for i in ids if i != binding_id)
                found.setdefault(
                    binding_id,
                    f"{key!r} is also the key of {others} on the same screen: one of the two"
                    " would never act",
                )
    return sorted(found.items())
