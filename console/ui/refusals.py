"""A take or a resume refused, said in a toast short enough to read at 80x24. The journal's
path filled most of its 9 lines there (twice where a `follow` was offered): the toast names
the incident by its id (what `resume`, `follow` and `export` take), a journal outside the
journal directory by its path with `~` for the home directory; the whole path is said
under the home screen's list, with the incident it belongs to."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

from textual.screen import Screen

from console.engine.session import Engine
from console.model.visible import visible
from console.ui.console_app import AppPart


class RefusalHost(AppPart, Protocol):
    """What saying a refusal asks of the console app."""

    engine: Engine

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...


def named(journal: Path, root: Path) -> str:
    """How the toast names `journal`: its incident's id when it is one of `root`'s, else
    its path with `~` for the home directory."""
    return journal.parent.name if journal.parent.parent == root else _tilde(str(journal))


def _tilde(path: str) -> str:
    home = os.path.expanduser("~")
    return "~" + path[len(home) :] if home != "/" and path.startswith(home + "/") else path


def shortened(said: str, journal: Path, root: Path) -> str:
    """`said` with the journal (the file, or its directory) named as `named` does."""
    for long in (str(journal), str(journal.parent)):  # the file first: its directory is in it
        short = journal.parent.name if journal.parent.parent == root else _tilde(long)
        said = said.replace(long, short)
    return said


def say_refused(
    app: RefusalHost, journal: Path, said: str, title: str, timeout: float | None = None
) -> None:
    """The refusal's toast; the journal's whole path under the home screen's list."""
    from console.ui.screens.home import HomeScreen

    shown = shortened(said, journal, app.engine.journal_root)
    app.notify(visible(shown), title=title, severity="error", timeout=timeout, markup=False)
    for home in app.screen_stack:
        if isinstance(home, HomeScreen):
            home.journal_of_refused(journal)
