"""A worker that ended on an error nobody expected: said in one line, never swallowed.

The console's work runs in workers whose errors are kept, not raised (`exit_on_error=False`:
one failing piece of work must not end the console while hosts are mid-change). Each one
catches what it expects (a ProcedureError, said in its own words); anything else ended it
in silence: a V or a k that 'did nothing'. Said here instead, in one line; logged with its
traceback (`--log FILE`); and noted in the incident's journal when the work concerned its
hosts, so that the record says the console stopped doing it."""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.worker import Worker

    from console.ui.incident_app import IncidentApp

log = logging.getLogger(__name__)

# What each group of workers does, as said; and whether it concerns the incident's hosts.
DOING: dict[str, tuple[str, bool]] = {
    "step": ("The step's work", True),
    "attempts": ("Checking the earlier attempts", True),
    "abort": ("The abort", True),
    "drill": ("The drill", True),
    "adhoc": ("The ad-hoc command", True),
    "resolve": ("Resolving the strategy's parameters on the hosts", True),
    "quit": ("Quitting", True),
    "hostkey": ("Trusting the host key", False),
    "reach": ("The SSH check of the hosts", False),
    "take-command": ("Answering who takes command", False),
    "left": ("The last updates of the incident left", False),
    "watch": ("The probe watcher", False),
    "countdown": ("The automatic trigger's countdown", False),
}
# Workers that say their own errors where they are shown (the export's preview and
# write), or try again by themselves (the home screen's list of incidents).
SAID_BY_THEMSELVES = frozenset({"preview", "write", "incidents"})


def said_failed(app: IncidentApp, worker: Worker[object]) -> None:
    """Say that `worker` stopped on its error, in one line; journal it as a note when it
    concerned the incident's hosts."""
    error = worker.error
    if error is None or worker.group in SAID_BY_THEMSELVES:
        return
    what, hosts = DOING.get(worker.group, ("Work in the background", False))
    why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    log.error("%s stopped on an unexpected error", what, exc_info=error)
    after = (
        " What reached the hosts is on the timeline; a host sent a command with no outcome"
        " reads unknown."
        if hosts
        else ""
    )
    app.notify(
        f"{what} stopped on an unexpected error: {why}.{after}",
        title="Stopped: an unexpected error",
        severity="error",
        timeout=60,
        markup=False,
    )
    conductor = app.conductor
    if hosts and conductor is not None and not app.read_only:
        from console.engine.errors import ProcedureError

        with contextlib.suppress(ProcedureError):  # said on screen all the same
            conductor.note(f"{what.lower()} stopped on an unexpected error in the console: {why}")
