"""Errors the engine raises to the UI and the command line."""

from __future__ import annotations


class ProcedureError(Exception):
    """An action the procedure does not allow now; the message says why."""


class HostRefused(ProcedureError):
    """`--accept-host-key` refused by what its host offered once dialled (another key,
    or no answer): a host failure on record in the incident (exit status 1), not bad
    input (which is refused before any host is dialled and records nothing)."""


class ParameterRefused(ProcedureError):
    """A strategy parameter's value (or its absence) refused; `param` names it."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


class LockRefused(ProcedureError):
    """Another incident holds a system: nothing was recorded or sent (exit status 3)."""

    def __init__(self, message: str, holder: str = "", journal: str = "") -> None:
        super().__init__(message)
        self.holder = holder  # the holding incident's id
        self.journal = journal  # its journal, as its lock file names it ("": not named)
        # What the holder's journal says of it: closed keeping it, or left open by a
        # process that is gone (kept_locks).
        self.closed = ""

    def said(self) -> str:
        """Its line, as the command line prints it: why, and how the lock goes."""
        from console.model.visible import visible

        how = " (--take-over-lock REASON)" if isinstance(self, StaleLock) else ""
        if self.closed:  # a closed incident's lock, kept: why, and how it goes
            live = "" if isinstance(self, StaleLock) else " (once its console has quit)"
            how += f". {self.closed.removesuffix('.')}{live}."
        return f"refused: {visible(str(self))}{visible(how)}"


class StaleLock(LockRefused):
    """A system is locked by an incident whose process is gone: it may be taken over,
    explicitly, with a reason (set `lock_takeover_reason` and try again)."""


class RunEnded(ProcedureError):
    """An abort of runs (Activity.runs, as the commander was shown them) of which one has
    ended, or beside which another has started: nothing is aborted."""
