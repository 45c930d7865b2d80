"""The document's Data integrity facts: each host's data before and after a data-touching
step, where a recovery stopped, what the data was brought back to and how it was
verified."""

from __future__ import annotations

from typing import Any

from console.model.base import Field, Strict


class Snapshot(Strict):
    """A data set's checksum and row counts, as an integrity record gives them."""

    checksum: str | None
    rows: dict[str, Any]
    absent: list[str] = Field(
        default=[], description="tables named that the database did not have: not measured"
    )


class RecoveryStopped(Strict):
    """Where a recovery (a restore of a backup, a WAL replay, a point-in-time recovery)
    stopped, as its verify read it from the new timeline's history file."""

    timeline: int = Field(description="the timeline the recovered cluster was promoted to")
    stopped: str = Field(
        description="PostgreSQL's words: `before 2025-05-16 10:29:30.25+00` (a time),"
        ' `at restore point "x"`, `after LSN 0/3000060`, `reached consistency` (the'
        " backup's own end), `no recovery target specified` (the end of the WAL)"
    )


class IntegrityCheck(Strict):
    """One host's data before and after a data-touching step, and what was expected."""

    host: str | None
    step: str | None
    strategy: str | None
    database: str | None = Field(
        default=None,
        description="the database the tables were counted in (the PostgreSQL presets'"
        " `database`), when the records said it",
    )
    before: Snapshot | None
    after: Snapshot | None
    expected: Snapshot | None
    verdict: str = Field(
        description="match, mismatch, missing, not reached (the host's run ended before its"
        " after record: failed, aborted, refused or unknown), or recorded (no after yet)"
    )
    detail: str | None
    recovery: RecoveryStopped | None = Field(
        default=None, description="where the recovery stopped, said with the after record"
    )
    restored: str | None = Field(
        default=None,
        description="what the data was brought back to, said with the after record: the"
        " backup (when it started, where the data directory before it is kept), the schema"
        " version or revision (from which, reversing which files)",
    )
    checks: list[str] = Field(
        default=[],
        description="what the strategy's verify checked on the database and found, as it"
        " said them with the after record (where the recovery stopped against the target"
        " asked, the last transaction replayed, the server accepting connections); empty"
        " where it said none",
    )
