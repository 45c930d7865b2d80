"""A firing recorded later than it fired says when it fired. Walked as a new user on a real
fleet (helper 222): a trigger fired on the home screen at 19:05:41, the commander declared
by hand, then took the firing into the incident with Ctrl+T at 19:06:13; the console
journalled the firing as it was taken, and the document's timeline read
`19:06:13 | ... | automatic trigger fired: ...`, as if it fired then."""

from __future__ import annotations

from console.journal.describe import describe
from console.model.events import Event


def fired(ts: str, fired_at: str | None) -> Event:
    data = {"trigger": "t", "kind": "error-threshold", "label": "errors", "reason": "5 %"}
    return Event.validated(
        {
            "seq": 1,
            "ts": ts,
            "mono": 0,
            "who": {"user": "u"},
            "kind": "trigger.fired",
            "data": {**data, "fired_at": fired_at},
        }
    )


def test_a_firing_taken_into_the_incident_later_says_when_it_fired():
    late = fired("2026-12-06T19:06:13.2Z", "2026-12-06T19:05:41.5+00:00")
    assert describe(late) == "automatic trigger fired at 19:05:41: errors — 5 %"


def test_a_firing_recorded_as_it_fired_reads_as_before():
    assert describe(fired("2026-12-06T19:05:41.9Z", "2026-12-06T19:05:41.5+00:00")) == (
        "automatic trigger fired: errors — 5 %"
    )
    assert (
        describe(fired("2026-12-06T19:05:41.9Z", None)) == "automatic trigger fired: errors — 5 %"
    )
