"""The document's trigger: the one declared (or, none declared, the first that fired), who
or what declared it (a person; the watcher: accepted, or its countdown elapsed; a headless
`run --trigger auto` or a drill taking up what fired), its evidence, and what became of
every firing."""

from __future__ import annotations

from typing import Any

from console.journal.export import reading
from console.journal.export.facts import Declarer, Evidence, Firing, TriggerDetails
from console.journal.export.systems import value_text
from console.model.events import Event, Kind
from console.model.payloads import (
    IncidentOpened,
    TriggerDeclared,
    TriggerDismissed,
    TriggerFired,
    TriggerMerged,
)
from console.model.probe_text import said_sample


def by_watcher(events: list[Event], declared: Event) -> bool:
    """An automatic declaration with nobody at the console: a countdown elapsed."""
    before = events[: events.index(declared)]
    data = declared.payload(TriggerDeclared)
    return data.automatic and (
        any(e.kind == Kind.COUNTDOWN_ELAPSED for e in before)
        or data.reason.startswith("automatic, countdown elapsed")
    )


def _declarer(events: list[Event], declared: Event) -> Declarer:
    who = reading.login(declared)
    if by_watcher(events, declared):
        return Declarer(
            by="watcher",
            name="the watcher",
            policy="auto",
            text="the watcher (policy auto): its countdown elapsed with nobody at the console",
        )
    before = events[: events.index(declared)]
    data = declared.payload(TriggerDeclared)
    fired = [e for e in before if isinstance(e.data, TriggerFired) and e.data.kind == data.kind]
    if fired and data.automatic:
        policy = reading.countdown_policy(fired[-1]) or "propose"
        if taken := _taken_up(events, data, who, policy):
            return Declarer(by="person", name=who, policy=policy, text=taken)
        return Declarer(
            by="watcher",
            name="the watcher",
            policy=policy,
            accepted_by=who,
            text=f"{who}, accepting the watcher's proposal (policy {policy})",
        )
    return Declarer(by="person", name=who, text=who)


def _taken_up(events: list[Event], data: TriggerDeclared, who: str, policy: str) -> str | None:
    """How a headless run or a drill took a firing up, in words; None when a person
    accepted the watcher's proposal in the console. A drill recorded before `taken_by`
    existed is known by its opening."""
    opened = events[0].data if events else None
    drill = isinstance(opened, IncidentOpened) and opened.drill
    taken = data.taken_by or ("the drill" if drill else None)
    if taken == "the drill":
        return f"the drill run by {who}, once its probe fired (policy {policy})"
    if taken:
        return (
            f"{who}, with {taken}: the automatic trigger firing as it started, no proposal"
            f" shown (policy {policy})"
        )
    return None


def _evidence(sample: dict[str, Any]) -> Evidence:
    if "probe" not in sample or "state" not in sample:
        text = ", ".join(f"{k}={v}" for k, v in sorted(sample.items()))
        return Evidence(text=text)
    unit = f" {sample['unit']}" if sample.get("unit") else ""
    limit = (
        f", threshold {value_text(sample['threshold'])}{unit}"
        if sample.get("threshold") is not None
        else ""
    )
    hosts = "; ".join(
        f"{h} {value_text(d.get('value')) if d.get('error') is None else 'error: ' + str(d['error'])}"
        + (f" ({d['detail']})" if d.get("detail") else "")
        for h, d in sorted((sample.get("hosts") or {}).items())
        if isinstance(d, dict)
    )
    at = str(sample.get("at", ""))[:19].replace("T", " ")  # UTC, as every time it says
    at += " UTC" if at else ""
    text = f"{at} {sample['probe']} = {said_sample(sample)}{limit}"
    return Evidence(
        text=text + (f" — {hosts}" if hosts else ""),
        probe=sample.get("probe"),
        at=sample.get("at"),
        value=sample.get("value"),
        state=sample.get("state"),
        threshold=sample.get("threshold"),
        hosts=dict(sample.get("hosts") or {}),
    )


def _decision(events: list[Event], fired: Event) -> Event | None:
    """The merge or dismissal of this firing: after it, before its trigger fired again (a
    proposal is replaced by its trigger's next firing), naming its trigger and, where both
    say it, when it fired. Seen: a trigger declared, then firing again twice while its
    rollback ran (one merged, one left undecided), read 'merged as evidence' all three times."""
    data = fired.payload(TriggerFired)
    for event in events:
        if event.seq <= fired.seq:
            continue
        if isinstance(event.data, TriggerFired) and event.data.trigger == data.trigger:
            return None
        if isinstance(event.data, TriggerMerged) and event.data.trigger == data.trigger:
            at = event.data.fired_at
            if at is None or data.fired_at is None or at == data.fired_at:
                return event
    return None


def _fired_before(events: list[Event], fired: Event) -> bool:
    """Whether the trigger of `fired` had fired before it in this journal."""
    name = fired.payload(TriggerFired).trigger
    return any(
        isinstance(e.data, TriggerFired) and e.data.trigger == name
        for e in events
        if e.seq < fired.seq
    )


def _fate(events: list[Event], fired: Event, declared: Event | None) -> str:
    decided = _decision(events, fired)
    if decided is not None:
        dismissed = decided.data if isinstance(decided.data, TriggerDismissed) else None
        verb = "dismissed" if dismissed else "merged as evidence"
        why = f": {dismissed.reason}" if dismissed and dismissed.reason else ""
        return f"{verb} by {reading.login(decided)}{why}"
    data = declared.payload(TriggerDeclared) if declared is not None else None
    if declared is not None and fired.seq > declared.seq:
        # Seen: the trigger firing again while the rollback ran (a wave's hosts still bad)
        # read "declared", as if the incident had been declared twice.
        again = " again" if _fired_before(events, fired) else ""
        return f"fired{again} after the declaration: neither merged as evidence nor dismissed"
    if data is not None and data.kind == fired.payload(TriggerFired).kind:
        return "declared"
    probe = fired.payload(TriggerFired).probe
    if data is not None and probe and any(s.get("probe") == probe for s in data.evidence):
        # fired at the same time: the declared trigger's reason names it ("also firing")
        return "evidence of the declared trigger (firing at the same time)"
    return "not taken up"


def build_trigger(events: list[Event]) -> TriggerDetails | None:
    """The declared trigger; else the first automatic one that fired (a dismissed
    firing's record), undeclared; None when nothing fired or was declared."""
    declared = next((e for e in events if e.kind == Kind.TRIGGER_DECLARED), None)
    firings = [
        Firing(
            at=reading.fired_at(e),
            label=e.data.label or e.data.kind,
            probe=e.data.probe or None,
            policy=e.data.policy or None,
            reason=e.data.reason,
            fate=_fate(events, e, declared),
        )
        for e in events
        if isinstance(e.data, TriggerFired)
    ]
    if declared is None:
        return _undeclared(events, firings)
    d = declared.payload(TriggerDeclared)
    merged = [s for e in events if e.kind == Kind.TRIGGER_MERGED for s in reading.samples(e)]
    return TriggerDetails(
        kind=d.kind,
        label=d.label or d.kind,
        automatic=d.automatic,
        reason=d.reason,
        declared_at=declared.ts,
        declared_by=_declarer(events, declared),
        evidence=[_evidence(s) for s in [*reading.samples(declared), *merged]],
        firings=firings,
    )


def _undeclared(events: list[Event], firings: list[Firing]) -> TriggerDetails | None:
    fired = [e.data for e in events if isinstance(e.data, TriggerFired)]
    if not fired:
        return None
    first = fired[0]
    return TriggerDetails(
        kind=first.kind,
        label=first.label or first.kind,
        automatic=True,
        reason=first.reason,
        declared_at=None,
        declared_by=None,
        evidence=[_evidence(s) for f in fired for s in f.evidence],
        firings=firings,
    )
