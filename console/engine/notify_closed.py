"""What a channel hears of the close: how the incident closed, and for a drill its verdict,
so that a drill that missed its recovery target does not read as one that went well."""

from __future__ import annotations

from console.model.state import IncidentState


def closed_said(state: IncidentState, said: str) -> str:
    """`said` (the close's outcome), then a judged drill's verdict and its first finding."""
    verdict = state.drill_verdict if state.drill else None
    if not verdict:
        return said
    if verdict.get("passed"):
        return f"{said}; drill passed"
    findings = verdict.get("findings") or []
    return f"{said}; drill FAILED" + (f": {findings[0]}" if findings else "")
