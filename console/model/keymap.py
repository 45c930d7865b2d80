"""console.toml's [keymap]: binding ids the console has, and key names it understands.

The ids mirror the `id=` of every Binding in console/ui (a test keeps the two equal),
so a keymap is checked by every command, not only when the console starts. Keys are
Textual's names: a letter or digit, a character's name (`question_mark`, `slash`,
`comma`), a named key (`enter`, `f5`, `pagedown`), with `ctrl+`, `shift+`, `alt+` ...
"""

from __future__ import annotations

import unicodedata

from console.model.problems import Loc, did_you_mean, quoted

BINDING_IDS = frozenset(
    {
        "assessment.back",
        "attempts.anyway",
        "attempts.cancel",
        "attempts.stop",
        "checklist.current",
        "checklist.do",
        "checklist.note",
        "checklist.preview",
        "checklist.skip",
        "checklist.strategy",
        "checklist.undo",
        "close.anyway",
        "close.submit",
        "dialog.cancel",
        "dialog.down",
        "dialog.no",
        "dialog.page-down",
        "dialog.page-up",
        "dialog.up",
        "dialog.yes",
        "drill-report.close",
        "drill-report.home",
        "drills.back",
        "drills.run",
        "execution.abort",
        "execution.adhoc",
        "execution.assessment",
        "execution.hostkey",
        "execution.note",
        "execution.problems",
        "execution.retry",
        "execution.strategy",
        "execution.why",
        "export.preview",
        "export.write",
        "form.add-item",
        "form.remove-item",
        "form.save",
        "go.checklist",
        "go.execution",
        "go.export",
        "go.form",
        "go.timeline",
        "help",
        "help.close",
        "help.close-f1",
        "home.cancel",
        "home.drills",
        "home.follow",
        "home.new",
        "home.propose",
        "home.resume",
        "incident.back",
        "incident.close",
        "list.down",
        "list.first",
        "list.last",
        "list.page-down",
        "list.page-up",
        "list.up",
        "notify.cancel",
        "picker.back",
        "picker.continue",
        "picker.filter",
        "picker.go",
        "picker.hostkey",
        "picker.recheck",
        "picker.toggle",
        "preview.close",
        "proposal.decide",
        "quit",
        "quit.abort",
        "quit.detach",
        "quit.q",
        "quit.stay",
        "resume.retry",
        "resume.verify",
        "run.cancel",
        "run.down",
        "run.end",
        "run.home",
        "run.page-down",
        "run.page-up",
        "run.up",
        "run.yes",
        "timeline.annotate",
        "timeline.filter",
        "timeline.follow",
        "timeline.note",
        "timeline.star",
        "timeline.table",
        "trigger.back",
        "trigger.declare",
        "watch.decide",
        "why.close",
        "yield.hand-over",
        "yield.keep",
    }
)
MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
NAMED_KEYS = frozenset(
    {
        "backspace",
        "delete",
        "down",
        "end",
        "enter",
        "escape",
        "home",
        "insert",
        "left",
        "pagedown",
        "pageup",
        "right",
        "space",
        "tab",
        "up",
        *(f"f{n}" for n in range(1, 25)),
    }
)
# Textual names a character key by its Unicode name, with a few short forms.
SHORT_NAMES = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}
CHARACTER_KEYS = frozenset(
    SHORT_NAMES.get(name, name)
    for name in (
        unicodedata.name(chr(c)).lower().replace("-", "_").replace(" ", "_")
        for c in range(33, 127)
        if not chr(c).isalnum()
    )
)


def key_name(key: str) -> str:
    """The Textual name of one key: `?` becomes `question_mark`, `ctrl+/` `ctrl+slash`."""
    *mods, base = key.strip().split("+") if key.strip() != "+" else ["+"]
    if len(base) == 1 and not base.isalnum():
        name = unicodedata.name(base, base).lower().replace("-", "_").replace(" ", "_")
        base = SHORT_NAMES.get(name, name)
    return "+".join([*mods, base])


def key_problem(key: str) -> str | None:
    """Why `key` (already a Textual name) is not a key, or None."""
    *mods, base = key.split("+")
    for mod in mods:
        if mod not in MODIFIERS:
            return f"{quoted(mod)} is not a modifier{did_you_mean(mod, MODIFIERS)}"
    if len(set(mods)) != len(mods):
        return f"{quoted(key)} repeats a modifier"
    if (len(base) == 1 and base.isalnum()) or base in NAMED_KEYS or base in CHARACTER_KEYS:
        return None
    known = sorted(NAMED_KEYS | CHARACTER_KEYS)
    return f"{quoted(base)} is not a key{did_you_mean(base, known)}"


def keymap_problems(keymap: dict[str, str]) -> list[tuple[Loc, str]]:
    """(key path, message) for each binding id or key the console does not have."""
    problems: list[tuple[Loc, str]] = []
    for binding, keys in keymap.items():
        loc = (binding,)
        if binding not in BINDING_IDS:
            hint = did_you_mean(binding, BINDING_IDS)
            problems.append((loc, f"no binding has the id {quoted(binding)}{hint}"))
            continue
        names = [key_name(k) for k in keys.split(",")]
        if not all(names):
            problems.append((loc, f"{quoted(keys)} has an empty key; separate keys with ','"))
        for name in filter(None, names):
            problem = key_problem(name)
            if problem:
                problems.append((loc, problem))
    return problems


# What lines printed or journalled for later name the resumed console's verify and retry
# of unknown hosts (`then V`) when no [keymap] rebinds them (console/ui/incident_app.py
# binds "v,V" and "r,R").
SAID_KEYS = {"resume.verify": "V", "resume.retry": "R"}


def said_key(keymap: dict[str, str], binding_id: str) -> str:
    """The key a printed or journalled line names for `binding_id` (a SAID_KEYS id): `V`,
    or the first key console.toml's [keymap] binds to it instead (`ctrl+e`), with which
    the default key does nothing."""
    keys = keymap.get(binding_id)
    return keys.split(",")[0] if keys else SAID_KEYS[binding_id]


def normalized(keymap: dict[str, str]) -> dict[str, str]:
    """The keymap with every key in Textual's names, as the console binds them."""
    return {
        binding: ",".join(key_name(k) for k in keys.split(",")) for binding, keys in keymap.items()
    }
