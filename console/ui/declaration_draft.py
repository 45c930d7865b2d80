"""A new incident's declaration half typed when the console is ended from outside (its
terminal closed, a TERM) with no incident attached to note it in: kept beside the journals
(this account's, readable by it alone), and taken up by the next console it starts: n opens
the declaration as it was, a toast says so. Walked at 80x24 on a real sshd: the first
declaration's reason typed, tmux killed, and nothing of it was anywhere."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.ui.app import RollbackApp

DRAFT = "declaration-draft-{}.json"


def _path(app: RollbackApp) -> Path:
    return app.engine.journal_root.parent / DRAFT.format(app.engine.actor.user)


def keep(app: RollbackApp, why: str) -> None:
    """The declaration under way (nothing of it recorded), kept for the next console as
    this one is ended (`why`); nothing when none is, or nothing is typed or chosen."""
    from textual.widgets import Input

    from console.ui.screens.trigger import AUTO

    screen = app.quitting.declaring()
    if screen is None or screen.into is not None:
        return
    chosen, reason = screen.chosen(), screen.query_one("#reason", Input).value
    if not reason.strip() and chosen in (None, AUTO):
        return
    kept = {
        "chosen": None if chosen == AUTO else chosen,
        "reason": app.engine.redactor.text(reason),  # as a record would keep it
        "why": why,
        "at": app.clock.now().isoformat(),
    }
    with contextlib.suppress(OSError):  # a link at its name (a shared state dir): not followed
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(_path(app), flags, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(kept, out)


def take_up(app: RollbackApp) -> None:
    """A declaration kept by a console ended on it, if any: the next one starts from it
    (`app.draft`, as after Esc), the file gone, and a toast says so."""
    path = _path(app)
    try:
        kept = json.loads(path.read_text())
        path.unlink()
        at = datetime.fromisoformat(kept["at"])
        app.draft = (kept["chosen"], str(kept["reason"]))
        why = str(kept["why"])
    except (OSError, ValueError, KeyError, TypeError):
        return
    app.notify(
        f"A declaration was under way when the console ended ({why}) at {at:%H:%M} UTC:"
        f" {app.key_label('home.new')} takes it up as it was typed.",
        title="Declaration kept",
        severity="warning",
        timeout=30,
    )
