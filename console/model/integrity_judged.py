"""Which hosts' data after was recorded with nothing to judge it by: said, never read as
checked. Apart from the drills' verdict, whose models a run's results need not load."""

from __future__ import annotations

from typing import Any

from console.model.step_state import AFTER_STEP

# An after recorded with nothing expected of it, in words: never read as checked.
NOT_JUDGED = "recorded, not judged: nothing was expected of it"
# A drill's own check after, where the strategy's records are what it judges (`after =
# "strategy"`): its report sets it beside its baseline. It read "not judged: nothing was
# expected" of a host whose restore the line above said matched.
BESIDE_STRATEGY = "recorded beside the strategy's own check (after = strategy)"


def unjudged_said(step: str | None) -> str:
    """An after recorded with nothing expected of it, in words, by the step that took it."""
    return BESIDE_STRATEGY if step == AFTER_STEP else NOT_JUDGED


UNDO = ".undo"  # an undo's step: `restore.undo`, judged against the before of `restore`


def held_to(expected: dict[str, Any], step: str) -> str:
    """What a match was held to, where it was the data before `step` ran (a migration's
    rows kept, an undo's data put back): `the checksum and the rows of customers, orders
    the same as before restore ran`, or either alone."""
    rows = expected.get("rows")
    tables = ", ".join(sorted(rows)) if isinstance(rows, dict) and rows else ""
    said = ["the checksum"] if expected.get("checksum") else []
    said += [f"the rows of {tables}"] if tables else []
    return f"{' and '.join(said) or 'nothing'} the same as before {step} ran"


def match_detail(
    step: str | None, verdict: str | None, detail: str | None, expected: dict[str, Any] | None
) -> str:
    """A record's detail; an undo's match recorded without one (by a console before it
    said it) gets what it matched, the data before the step it undid."""
    step = step or ""
    if detail or verdict != "match" or not expected or not step.endswith(UNDO):
        return detail or ""
    return held_to(expected, step.removesuffix(UNDO))


def not_expected(
    rows: dict[str, Any], checksum: str | None, expected: dict[str, Any] | None
) -> list[str]:
    """What an after judged against an expectation measured that the expectation names
    nothing of (a table's count, the checksum: `expected-integrity` holds `rows.orders=20`,
    `tables` names customers too): recorded, never judged, so never said "as expected".
    Empty where nothing was expected at all (said so otherwise)."""
    if not expected:
        return []
    named = expected.get("rows") or {}
    out = [table for table in sorted(rows) if table not in named]
    return out + (["the checksum"] if checksum and not expected.get("checksum") else [])


def not_expected_said(unexpected: list[str]) -> str:
    """`; customers, the checksum: recorded, nothing was expected of them`, or nothing."""
    if not unexpected:
        return ""
    them = "it" if len(unexpected) == 1 else "them"
    return f"; {', '.join(unexpected)}: recorded, nothing was expected of {them}"


def not_judged(records: list[dict[str, Any]]) -> list[str]:
    """The hosts whose data after was recorded with nothing expected of it (a recovery past
    its backup, a restore of a backup without `expected-integrity`): not judged, lest "0
    mismatch(es)" read as checked."""
    hosts = [
        r.get("host") or "?"
        for r in records
        if (r.get("stage"), r.get("verdict")) == ("after", "recorded")
        and r.get("step") != AFTER_STEP  # the drill's own check: not what it judges
    ]
    return list(dict.fromkeys(hosts))


def restored_to(records: list[dict[str, Any]]) -> dict[str, str]:
    """What each host's data was brought back to, as its strategy's verify said it (`backup
    ... (started ...), then WAL to the restore point x ...`), the last one per host: a
    drill's report names the point it restored to, not only that it was recorded."""
    return {
        r.get("host") or "?": str(r["restored"])
        for r in records
        if r.get("stage") == "after" and r.get("restored")
    }
