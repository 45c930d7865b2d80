"""Errors the engine raises to the UI and the command line."""

from __future__ import annotations


class ProcedureError(Exception):
    """An action the procedure does not allow now; the message says why."""


class StaleLock(ProcedureError):
    """A system is locked by an incident whose process is gone: it may be taken over,
    explicitly, with a reason (set `lock_takeover_reason` and try again)."""
