"""Dates and durations as the record writes them: `2026-12-02 14:58:03 UTC`, `3 min 05 s`."""

from __future__ import annotations

from datetime import datetime


def utc(ts: datetime) -> str:
    """`2026-12-02 14:58:03 UTC`."""
    return ts.strftime("%Y-%m-%d %H:%M:%S UTC")


def clock(ts: datetime) -> str:
    """`14:58:03 UTC`: a time of day the same incident's lines give their date to."""
    return ts.strftime("%H:%M:%S UTC")


def duration(seconds: float) -> str:
    """`42 s`, `3 min 05 s`, or `7 h 21 min 12 s` (not `441 min 12 s`)."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {secs:02d} s"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def minutes(value: float) -> str:
    """A target given in minutes, as people read it: `15 min`, `1.5 min`; under a minute
    in seconds, `45 s` (not `0.75 min`)."""
    return f"{value * 60:.3g} s" if value < 1 else f"{value:g} min"


def timed_said(clock: str | None, wall_step: float | None) -> str:
    """How a recovery time was taken, when the wall clock alone would mislead; '' when
    the monotonic clock timed it and the wall clock kept time."""
    if clock == "wall":
        return (
            "timed on the wall clock (its clock started in an earlier console's process):"
            " a step of the wall clock in between counts in it"
        )
    if wall_step is None:
        return ""
    way = "forward" if wall_step > 0 else "back"
    return (
        f"timed on the monotonic clock: the wall clock was stepped {way} by"
        f" {duration(abs(wall_step))} while it ran, and the times recorded read across the step"
    )
