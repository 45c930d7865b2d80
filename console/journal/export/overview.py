"""The top of the document: the summary paragraph and facts, the commander and the
responders, and the impact (the trigger: trigger_details.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from console.journal.export import reading
from console.journal.export.facts import (
    FailureFacts,
    Impact,
    Milestones,
    Notification,
    Summary,
    SystemFacts,
    TriggerDetails,
)
from console.journal.export.failure_facts import attempts_of
from console.journal.export.recovery_said import recovery_sentence
from console.journal.export.resolution import step_titles
from console.journal.export.retried_said import rerun_sentences, retried_sentences
from console.journal.export.timeline import hosts as hosts_text
from console.journal.export.trigger_details import by_watcher
from console.journal.export.undo_said import Undos, undo_facts, undo_sentences, undone
from console.journal.resolved_said import confirmed_sentences
from console.journal.results import integrity_said
from console.journal.times import duration
from console.model.drillfold import cut_short, faults_left
from console.model.events import Event, Kind
from console.model.form_fields import FormField
from console.model.outcome import check_by_hand, verify_by_hand
from console.model.payloads import (
    IncidentOpened,
    LockKept,
)
from console.model.recovery import TARGET_EXCEEDED
from console.model.state import HostStatus, IncidentState

# Values that say what was rolled back, most telling first.
VERSION_WORDS = ("release", "version", "revision", "schema", "image", "tag")


def commander(events: list[Event], state: IncidentState) -> str | None:
    """Whoever is named commander, each in turn; else who declared, else who opened."""
    named = [(e.ts, name) for e in events if (name := reading.commander_named(e))]
    turns = [n for i, n in enumerate(named) if i == 0 or n[1] != named[i - 1][1]]
    if len(turns) > 1:
        return ", then ".join(
            name if i == 0 else f"{name} (from {when:%Y-%m-%d %H:%M:%S} UTC)"
            for i, (when, name) in enumerate(turns)
        )
    if turns:
        return turns[0][1]
    for kind in (Kind.TRIGGER_DECLARED, Kind.INCIDENT_OPENED):
        first = next((e for e in events if e.kind == kind), None)
        if first is not None and not (kind == Kind.TRIGGER_DECLARED and by_watcher(events, first)):
            return reading.login(first)
    return None


def responders(events: list[Event], lead: str | None) -> list[str]:
    """Everyone else who recorded an event, in the order they first did: each account
    once (not `root, root (commander Dana)` for one person typing for the commander)."""
    leads = {part.split(" (from ")[0] for part in (lead or "").split(", then ")}
    seen = dict.fromkeys(e.who.login for e in events)
    return [who for who in seen if who not in leads]


def build_impact(state: IncidentState, milestones: Milestones) -> Impact:
    def field(f: FormField) -> str | None:
        return state.fields.get(f.value) or None

    bad = next(m.at for m in milestones.milestones if m.name == "impact_detected")
    return Impact(
        users=field(FormField.IMPACT_USERS),
        start=field(FormField.IMPACT_START),
        end=field(FormField.IMPACT_END),
        business=field(FormField.BUSINESS_IMPACT),
        first_bad_sample=bad,
    )


def build_summary(
    events: list[Event],
    state: IncidentState,
    milestones: Milestones,
    systems: list[SystemFacts],
    trigger: TriggerDetails | None,
    notifications: Sequence[Notification] = (),
    failures: Sequence[FailureFacts] = (),
) -> Summary:
    lead = commander(events, state)
    closed = state.closed_at
    outcome = _outcome(events, state)
    seconds = state.time_open()
    facts = Summary(
        paragraph="",
        incident=state.incident_id,
        title=state.title,
        status="final" if closed else "draft",
        amended=any(reading.amendment(e) for e in events),
        severity=state.fields.get(FormField.SEVERITY.value) or None,
        outcome=outcome,
        commander=lead,
        responders=responders(events, lead),
        opened=state.opened_at,
        opened_by=_login_of(events, Kind.INCIDENT_OPENED),
        closed=closed,
        closed_by=_login_of(events, Kind.INCIDENT_CLOSED, last=True) if closed else None,
        duration_seconds=seconds,
        drill=state.drill,
        drill_verdict=_drill_verdict(events, state) if state.drill else None,
        systems=list(state.systems),
        strategy=_strategy_ran(state),
        reason=state.fields.get(FormField.REASON.value)
        or (trigger.reason if trigger and trigger.declared_by else None),
        unknown_at_close=list(state.unknown_at_close),
        locks_kept_at_close=_kept_at_close(events),
        verified_by_hand=dict(state.verified_by_hand),
        verified_by=state.verified_by or None,
    )
    by_commands = state.left_by_commands(state.unknown_at_close)  # no verify to run there
    paragraph = _paragraph(
        facts,
        milestones,
        systems,
        trigger,
        notifications,
        _own(events, state),
        by_commands,
        undo_facts(state),
        [
            *confirmed_sentences(state),
            *rerun_sentences(state, step_titles(events)),
            *retried_sentences(state, failures, attempts_of(events)),
        ],
    )
    return facts.model_copy(update={"paragraph": paragraph})


class Own(NamedTuple):
    """What the steps naming their own strategy ran, said apart from the incident's."""

    said: str = ""  # `Steps with a strategy of their own: “Flags off” ran ... (2 succeeded).`
    chosen_ran: bool = True  # False: they ran, and no step ran the incident's strategy


def _own(events: list[Event], state: IncidentState) -> Own:
    """The procedure's steps naming their own strategy that ran, in a sentence."""
    opened = next((e for e in events if e.kind == Kind.INCIDENT_OPENED), None)
    titles = {s["id"]: s["title"] for s in opened.payload(IncidentOpened).steps} if opened else {}
    said = []
    for step_id, name in state.named_strategies.items():
        st = state.step(step_id)
        if not st.restarted:
            continue
        counts = Counter(str(run.status) for run in st.hosts.values())
        tally = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        said.append(
            f"“{titles.get(step_id, step_id)}” ran {name} on {hosts_text(len(st.hosts))}"
            + (f" ({tally})" if tally else "")
        )
    # The hosts' last step is not the strategy's run: a command step alone ran there (seen:
    # 'The version-rollback strategy ran on 4 hosts (4 unknown)', a drain step's).
    others = state.strategy_steps - set(state.named_strategies)
    chosen_ran = any(state.step(s).restarted for s in others)
    if not said:  # a journal naming no strategy step: as it always read
        return Own(chosen_ran=chosen_ran or not others)
    return Own(f"Steps with a strategy of their own: {'; '.join(said)}.", chosen_ran)


def _kept_at_close(events: list[Event]) -> list[str]:
    """The systems whose locks the close kept (its hosts' outcome unknown)."""
    for e in reversed(events):
        if e.kind == Kind.LOCK_KEPT and (kept := e.payload(LockKept)).closed_as:
            return list(kept.systems)
    return []


def _strategy_ran(state: IncidentState) -> str | None:
    """The strategy the latest strategy step ran, else the one chosen (it ran on none):
    one chosen since, never run, is not what the hosts got. Steps naming their own
    strategy are said on their own."""
    ran = [
        (st.restarted_seq, st.ran_strategy)
        for st in state.steps.values()
        if st.restarted and st.id not in state.named_strategies
    ]
    latest = max(((at, name) for at, name in ran if name), default=None)
    return latest[1] if latest else state.strategy


def _drill_verdict(events: list[Event], state: IncidentState) -> str:
    """The drill's judgement if it recorded one; else passed when recovery met every
    system's RTO and every integrity record matched."""
    if state.closed_at is None:  # a fault in place is said as the close would say it
        left = faults_left(state) if state.scenario is not None else []
        in_place = f"; its fault {'; '.join(left)} is in place, NOT UNDONE" if left else ""
        return f"not judged yet: the drill is open{in_place}"
    judged = reading.drill_judged(events)
    if judged is not None:
        passed, findings = judged
        return ("passed" if passed else "failed") + (f": {'; '.join(findings)}" if findings else "")
    said = [
        f"{system}: {r.verdict if r else 'stability not verified'}"
        for system in state.systems
        for r in [state.recovery.get(system)]
    ]
    bad = [r for r in state.integrity if r.get("verdict") in ("mismatch", "missing")]
    if state.integrity:
        said.append(f"integrity: {integrity_said(state.integrity)}")
    if short := cut_short(state):  # a scenario's drill never judged: never "passed"
        return short + (f" ({'; '.join(said)})" if said else "")
    passed = not bad and all(
        (r := state.recovery.get(s)) is not None and r.verdict != TARGET_EXCEEDED
        for s in state.systems
    )
    return ("passed" if passed else "failed") + (f" ({'; '.join(said)})" if said else "")


def _outcome(events: list[Event], state: IncidentState) -> str | None:
    if state.closed_at is None:
        return None
    last = next(e for e in reversed(events) if e.kind == Kind.INCIDENT_CLOSED)
    return reading.outcome(last)


def _login_of(events: list[Event], kind: str, last: bool = False) -> str | None:
    found = [e for e in events if e.kind == kind]
    if not found:
        return None
    return reading.login(found[-1] if last else found[0])


def _changed(systems: list[SystemFacts]) -> list[str]:
    """`release 2.4.1 → 2.4.0 (3 hosts)`: what the rollback changed, most telling first;
    the same change on several systems is said once, with all its hosts."""
    hosts: dict[tuple[str, str, str], int] = {}
    for c in (c for s in systems for c in s.changes):
        if c.source == "assessment" and c.before is not None and c.after is not None:
            change = (c.key, c.before, c.after)
            if c.before != c.after:
                hosts[change] = hosts.get(change, 0) + len(c.hosts)

    def rank(key: str) -> int:
        return next(
            (i for i, w in enumerate(VERSION_WORDS) if w in key.lower()), len(VERSION_WORDS)
        )

    ordered = sorted(hosts, key=lambda c: (rank(c[0]), -hosts[c]))
    return [
        f"{key} {before} → {after} ({hosts_text(hosts[(key, before, after)])})"
        for key, before, after in ordered
        if rank(key) < len(VERSION_WORDS)
    ][:3]


def _unknown_at_close(facts: Summary, by_commands: bool = False) -> str:
    """The hosts a close left unknown, the locks it kept for them and how they go (`by_
    commands`: steps with no verify left them, checked by hand with an `exec`); what the
    verify by hand found there since, if it ran."""
    unknown, kept = facts.unknown_at_close, facts.locks_kept_at_close
    said = (
        f"It was closed with the outcome unknown on {', '.join(unknown)}: a change may still"
        " have run there"
    )
    by_hand = facts.verified_by_hand
    found = "; ".join(f"{h}: {by_hand[h]}" for h in unknown if h in by_hand)
    checked = f" The verify by hand after the close (incident {facts.verified_by}) found {found}."
    if not kept:
        return f"{said}." + (checked if found else "")
    lock = f"lock{'s' if len(kept) > 1 else ''} on {', '.join(kept)}"
    kept_past = f"{said}, so the {lock} {'were' if len(kept) > 1 else 'was'} kept past the close"
    if all(by_hand.get(h, "").startswith("verified: ") for h in unknown):  # every one answered
        return (
            f"{kept_past}, until the verify by hand (incident {facts.verified_by}) found"
            f" {found}, and let go of {'them' if len(kept) > 1 else 'it'}."
        )
    if by_commands:  # `verify` refuses a step with no verify
        return (
            f"{kept_past}: another incident there needs --take-over-lock REASON, as a check by"
            f" hand does ({check_by_hand(kept, unknown)}, with a command that tells whether the"
            " change was made), which lets go of it at its end."
        )
    return (
        f"{kept_past}: another incident there needs --take-over-lock REASON, as the verify by"
        f" hand does ({verify_by_hand(facts.incident or 'ID')}), which lets go of it once those"
        " hosts answer." + (checked if found else "")
    )


def _paragraph(
    facts: Summary,
    milestones: Milestones,
    systems: list[SystemFacts],
    trigger: TriggerDetails | None,
    notifications: Sequence[Notification],
    own: Own,
    by_commands: bool = False,
    undos: Undos | None = None,
    retried: Sequence[str] = (),
) -> str:
    what = "This drill" if facts.drill else "This incident"
    where = ", ".join(facts.systems) or "no system"
    if trigger is None:
        said = [f"{what} on {where} has no declared trigger."]
    elif trigger.declared_by is None:
        fates = "; ".join(f"{f.label} fired and was {f.fate}" for f in trigger.firings)
        said = [f"{what} has no declared trigger: {fates}."]
    else:
        by = trigger.declared_by
        who = f"by {by.name}"
        if by.by == "person" and by.policy and facts.drill:  # the drill took up what fired
            who = "by the drill, once its probe fired"
        if by.by == "watcher":
            who = (
                f"by {by.accepted_by} on the watcher's proposal"
                if by.accepted_by
                else "automatically by the watcher, with nobody at the console"
            )
        # A firing's reason starts with its label: said once.
        reason = (trigger.reason or "no reason given").removeprefix(f"{trigger.label}: ")
        said = [f"{trigger.label} on {where}, declared {who}: {reason}."]
    hosts = [h for s in systems for h in s.hosts]
    counts: dict[str, int] = {}
    for h in hosts:
        status = f"held at {h.held_at}" if h.held_at else h.status
        if status == HostStatus.REFUSED:  # nothing was changed there
            status = "refused at the precheck"
        # an undo's host: said as the undo's, not the strategy's (and, where the undo failed,
        # how the strategy had gone there: a failed restore whose undo failed too)
        status = undone(h, undos) or status
        counts[status] = counts.get(status, 0) + 1
    ran = len(hosts) - counts.get("not touched", 0)
    if facts.strategy and hosts and (not ran or not own.chosen_ran):
        said.append(
            f"The {facts.strategy} strategy was chosen for {hosts_text(len(hosts))}; it ran on none."
        )
    elif facts.strategy and hosts:
        tally = ", ".join(
            f"{n} {status}" for status, n in sorted(counts.items()) if status != "not touched"
        )
        moved = _changed(systems)
        of = f"{ran} of " if ran < len(hosts) else ""
        said.append(
            f"The {facts.strategy} strategy ran on {of}{hosts_text(len(hosts))} ({tally})"
            + (f": {'; '.join(moved)}" if moved else "")
            + "."
        )
    said += retried
    if own.said:
        said.append(own.said)
    intervals = {i.name: i for i in milestones.intervals}
    mitigate = intervals["time_to_mitigate"]
    since = {"impact_detected": "the first bad sample", "trigger_declared": "the declaration"}
    if recovered := recovery_sentence(milestones):
        said.append(recovered)
    elif mitigate.seconds is not None:
        stable = [m.source for m in milestones.milestones if m.name == "verified_stable"]
        said.append(
            f"It was restored {duration(mitigate.seconds)} after"
            f" {since.get(mitigate.start, mitigate.start)};"
            f" {stable[0] if stable else 'stability was not verified'}."
        )
    # A host whose last step is an undo that succeeded is no longer where the strategy put
    # it; one whose undo failed or was refused may still be.
    said += undo_sentences(hosts, undos)
    if facts.drill_verdict:
        said.append(f"Drill verdict: {facts.drill_verdict}.")
    # Nobody told is part of how it went: said here, not only in the table further down.
    # One sent with no result on record (its console ended while it was being delivered)
    # is not known to have failed: it may have arrived.
    if missed := [n for n in notifications if n.delivered is False]:
        said.append(
            f"{len(missed)} of {len(notifications)} notifications not delivered"
            f" ({_channels(missed)}): see Notifications."
        )
    if unheard := [n for n in notifications if n.delivered is None]:
        said.append(
            f"{len(unheard)} of {len(notifications)} notifications sent with no result"
            f" recorded ({_channels(unheard)}): they may have arrived; see Notifications."
        )
    if facts.outcome:
        took = f" after {duration(facts.duration_seconds)}" if facts.duration_seconds else ""
        said.append(f"Outcome: {facts.outcome}; the incident was closed{took}.")
        if facts.unknown_at_close:
            said.append(_unknown_at_close(facts, by_commands))
    else:
        said.append("The incident is still open: this document is a draft.")
    return " ".join(said)


def _channels(notifications: list[Notification]) -> str:
    """`status-page, incidents`: each one's channel once, in order."""
    return ", ".join(dict.fromkeys(n.channel or n.kind or "?" for n in notifications))
