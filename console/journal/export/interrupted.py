"""A step the console's end cut short, its hosts left unknown, and how each was settled
after the resume: said at the step in the document. Seen after `kill -9` of the console
mid-step, then v on the resumed incident: the step read "done: 1 succeeded" (or "failed:
1 failed"), its end, the unknown host and the verify only in the timeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.journal.left_open import LastDriver
from console.journal.times import utc
from console.model.events import Event, Kind
from console.model.payloads import IncidentResumed, UnknownVerified
from console.model.waves import named_some


@dataclass
class _Cut:
    """A run of a step the console's end cut short: how it ended, the hosts it left unknown
    and what settled each since."""

    ended: str
    hosts: list[str]
    settled: dict[str, str] = field(default_factory=dict)  # each host's last verify

    def said(self) -> str:
        unknown = sorted(self.hosts)
        said = f"interrupted by the console's end ({self.ended}): outcome unknown on"
        said += f" {named_some(unknown, 5)}"
        left = [h for h in unknown if h not in self.settled]
        then = [self.settled[h] for h in unknown if h in self.settled]
        then += [f"{named_some(left, 5)} not verified since"] if left else []
        return f"{said}; then {'; '.join(then)}"


def interruptions(events: list[Event]) -> dict[str, list[str]]:
    """Each step's runs the console's end cut short (`interrupted by the console's end
    (rollback-console run pid 24472 (root on vm) ended without closing it or letting go
    (killed, or crashed); its last event was written at ...): outcome unknown on web-1;
    then web-1 verified: failed, by root at ... UTC (v after the resume)`); a run retried
    before any verify is left to the retry's own words (`attempt 1: never ended ...`)."""
    driver = LastDriver()
    cuts: dict[str, list[_Cut]] = {}
    for event in events:
        if event.kind == Kind.INCIDENT_RESUMED:
            ended = driver.ended(quit_too=True) or "the console running it ended"
            lost: dict[str, list[str]] = {}
            for flight in event.payload(IncidentResumed).unknown:
                lost.setdefault(flight["step"], []).append(flight["host"])
            for step, hosts in lost.items():
                cuts.setdefault(step, []).append(_Cut(ended, hosts))
        elif event.kind == Kind.UNKNOWN_VERIFIED:
            _verified(cuts, event)
        elif event.kind == Kind.STEP_STARTED and _retried_unverified(cuts, event):
            cuts[event.where.step or ""].pop()  # the retry says how the run ended
        driver.feed(event)
    return {step: [cut.said() for cut in runs] for step, runs in cuts.items() if runs}


def _retried_unverified(cuts: dict[str, list[_Cut]], started: Event) -> bool:
    runs = cuts.get(started.where.step or "", [])
    return bool(runs) and not runs[-1].settled


def _verified(cuts: dict[str, list[_Cut]], event: Event) -> None:
    """Each verdict of `event` on a host a cut left unknown (its last one stands)."""
    data = event.payload(UnknownVerified)
    by = f" (the verify by hand, incident {data.by})" if data.by else " (v after the resume)"
    for runs in cuts.values():
        for cut in runs[-1:]:
            for host in set(cut.hosts) & set(data.verdicts):
                verdict = data.verdicts[host]
                cut.settled[host] = f"{host} {verdict}, by {event.who.login} at {utc(event.ts)}{by}"
