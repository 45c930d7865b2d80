"""Errors the engine raises to the UI and the command line."""

from __future__ import annotations


class ProcedureError(Exception):
    """An action the procedure does not allow now; the message says why."""
