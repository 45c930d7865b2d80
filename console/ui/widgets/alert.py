"""The firing alert and the auto countdown, as text: what fired, the evidence, what to do."""

from __future__ import annotations

from rich.text import Text

from console.engine.triage import Proposal
from console.engine.watcher import Countdown, Firing
from console.model.probe_text import said_sample, sample_text, show
from console.model.visible import visible
from console.model.watch import SampleState, probe_key

MAX_EVIDENCE = 4


def evidence_lines(firing: Firing | None, evidence: list[dict] | None = None) -> list[str]:
    """One line per evidence sample: time, value and state, and what each host read."""
    samples = evidence if evidence is not None else (firing.evidence_data() if firing else [])
    lines = []
    for sample in samples[-MAX_EVIDENCE:]:
        at = str(sample.get("at", ""))[11:19]
        hosts = sample.get("hosts", {})
        per_host = ", ".join(f"{h} {_read(v)}" for h, v in sorted(hosts.items()))
        line = f"{at} {sample.get('probe', '')} = {said_sample(sample)}"
        line += f" ({per_host})" if per_host else ""
        lines.append(visible(line, one_line=True))  # the values are what hosts printed
    return lines


def _read(host: dict) -> str:
    """What a host read, in its own words where the probe gave some: `HTTP 500 in 1 ms`,
    `error: ...`, `3 new match(es)`; else its value. An http probe's bare latency read
    `jump-host 1.3` beside `1 bad`, the status that made it bad left out."""
    if host.get("error"):
        return f"error: {host['error']}"
    return str(host.get("detail") or show(host.get("value")))


def alert_text(
    app,
    firing: Firing,
    countdown: Countdown | None,
    remaining: float,
    others: list[Firing],
    drill: str | None = None,
    left: Proposal | None = None,
    since: list[str] | None = None,
) -> Text:
    """The banner: a countdown anyone can cancel, or a firing the commander can take up
    (and the drill that was running when it fired, or the incident open on its system that
    nobody drives here, `left`'s `left_open`); the keys named are the keys bound."""
    left_open, left_faults = (left.left_open, left.left_faults) if left else ("", "")
    left_how = left.left_how if left else ""
    text = Text(no_wrap=False)
    decide = app.key_label("watch.decide")
    if countdown is not None:
        text.append(f" ⏱ AUTOMATIC ROLLBACK IN {max(0, round(remaining))} s ", style="bold reverse")
        text.append(f" {visible(firing.reason, one_line=True)}\n", style="bold")
        text.append(
            f" {app.key_label('home.cancel')} cancels it (a reason is required), {decide}"
            " decides now. With nobody at the keyboard, the procedure starts.\n"
        )
    else:
        text.append(" ▲ TRIGGER FIRED ", style="bold reverse")
        text.append(f" {visible(firing.reason, one_line=True)}\n", style="bold")
        if again := healthy_again(app, firing):
            text.append(f" {again}\n", style="bold")
        for line in since or []:  # `since`: declared on its system since it fired
            text.append(f" ▲ {line}: it may be handled there.\n", style="bold")
        if drill:
            text.append(f" It fired during drill {drill}: the drill's faults may be its cause.\n")
        if left_open and left_faults:  # a drill's own fault, most likely: say so first
            text.append(
                f" Drill {left_open} was cut short on {firing.trigger.system}: {left_faults},"
                " most likely what fired."
                f" {app.key_label('home.resume')} resumes it (undo the fault by hand, then"
                f" close it); {app.key_label('home.propose')} opens a new incident.\n"
            )
        elif left_open:  # the firing belongs there, most likely: say how, in as many lines
            text.append(
                f" Incident {left_open} is open on {firing.trigger.system}"
                f"{left_how},"
                f" then {decide} merges this firing"
                f" as evidence (or dismisses it); {app.key_label('home.propose')} opens a new"
                " incident.\n"
            )
        else:
            text.append(
                f" {app.key_label('home.propose')} opens an incident pre-filled with this"
                f" trigger and its evidence; {decide} also dismisses it.\n"
            )
    for line in evidence_lines(firing):
        text.append(f"   {line}\n", style="dim")
    if others:
        names = ", ".join(f"{f.trigger.kind.label} ({f.trigger.system})" for f in others)
        text.append(f" Also firing: {names}\n")
    text.rstrip()
    return text


def healthy_again(app, firing: Firing) -> str:
    """What its probe reads now, when healthy again since it fired: a proposal waits for a
    decision, and 28 minutes after an error spike had passed the banner still read
    `▲ TRIGGER FIRED ... web/error-rate = 0.4 > 0.05` above a table reading 0.01
    healthy, `p` ready to declare it, the latency firing now only `Also firing`. ''
    while it is still bad (or not read)."""
    t = firing.trigger
    reading = app.live.watcher.readings.get(probe_key(t.system, t.probe))
    last = reading.last if reading is not None else None
    if reading is None or last is None or last.state is not SampleState.HEALTHY:
        return ""
    if any(s.fired for s in reading.streaks if s.trigger.name == t.name):
        return ""  # no healthy sample since it fired (a healthy one re-arms it: Streak)
    now = visible(sample_text(reading.probe, last), one_line=True)
    return (
        f"Fired at {firing.fired_at:%H:%M:%S} UTC; its probe reads healthy again: {reading.key}"
        f" = {now} at {last.at:%H:%M:%S} UTC."
    )
