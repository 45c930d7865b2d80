"""A step's run in one or two lines: its waves, the halt with its figures, where a gradual
re-enable is held, the hosts its prechecks refused, the soak."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any

from rich.text import Text

from console.model.kinds import done_by
from console.model.payloads import SoakProgress
from console.model.probe_text import inconclusive_for, show
from console.model.procedure import StepKind
from console.model.state import HostStatus, IncidentState, StepState, StepStatus
from console.model.step_state import NEEDED_NOTHING, NOT_VERIFIED
from console.model.visible import visible
from console.ui.palette import themed
from console.ui.widgets.waves_line import paused_said, share

if TYPE_CHECKING:
    from console.ui.incident_view import IncidentView

BAD = (HostStatus.FAILED, HostStatus.ABORTED)


def _since(st: StepState, stage: dict[str, Any]) -> bool:
    """Whether the step's latest run started after `stage` was recorded (in the
    journal's order, whatever the wall clock read)."""
    return st.restarted_seq > stage["seq"]


def stages_text(st: StepState, rollout: list[dict[str, Any]], running: bool) -> Text | None:
    """A gradual re-enable's stages, not runs: `Stages ✔ 1/4 5 % · ✘ 2/4 25 % (3 failed) ·
    ○ 3–4 of 4 not started` (a retry after a hold goes on with the next stage: the same rollout,
    not a run 2); None for a step with no stage recorded nor paused after. `rollout`: the step's
    `rollout.step` records, oldest first; the rollout shown starts at its latest stage 1,
    earlier ones (a retry with a failed host starts again) follow on a line of their own.
    Only the stages of the strategy the step ran last count: none after another kind ran."""
    ran = st.ran_strategy
    rollout = [r for r in rollout if ran is None or r.get("strategy") == ran]
    paused = st.paused if running and st.paused and st.paused.what == "stage" else None
    # The stage running, as its waves say: none is recorded before it ends (the first
    # stage read `Waves ▶ 1/1 running`, as if the rollout were one run of one wave).
    now = _stage_running(st) if running else None
    if not rollout and paused is None and now is None:
        return None
    starts = [i for i, r in enumerate(rollout) if r["index"] == 1] or [0]
    last = rollout[-1] if rollout else None
    if running and last and not last["ok"] and last.get("failed") and _since(st, last):
        # a retry after a stage that failed starts again from stage 1, none recorded yet
        starts.append(len(rollout))
    current = {r["index"]: r for r in rollout[starts[-1] :]}
    total = int(rollout[-1]["of"]) if rollout else paused.of if paused else 0
    total = total or (int(now["stages"]) if now else 0)
    held = st.held.index if st.held is not None and st.status is StepStatus.HELD else None
    text = Text(" Stages ", style="bold", no_wrap=True, overflow="ellipsis")
    reached = max(current, default=0)
    for number in range(1, reached + 1):
        if number > 1:
            text.append(" · ", style="dim")
        stage = current[number]
        at = f"{number}/{total} {stage['percent']:g}%"
        if not stage["ok"] and not stage.get("failed"):  # halted between its waves
            waiting = sum(1 for r in st.hosts.values() if r.status is HostStatus.NOT_STARTED)
            text.append(f"◌ {at} stopped ({waiting} not started)", style=themed("bold $warning"))
        elif not stage["ok"]:
            failed = len(stage.get("failed") or [])
            text.append(f"✘ {at} ({failed} failed)", style=themed("bold $error"))
        elif number == held:
            text.append(f"◐ {at} held", style=themed("bold $warning"))
        else:
            text.append(f"✔ {at}", style=themed("$success"))
    if paused is not None and reached < paused.next - 1:  # recorded once the pause ends
        reached = paused.next - 1
        dot = " · " if current else ""
        text.append(f"{dot}✔ {reached}/{total}{share(paused.percent)}", style=themed("$success"))
    if paused is not None and reached < total:
        reached += 1
        text.append(f" · ⏸ {paused_said(paused)}", style=themed("bold $warning"))
    elif running and reached < total:
        reached += 1
        dot = " · " if current else ""
        said = f"▶ {reached}/{total} running"
        if now is not None and now["stage"] == reached:  # its share, and its wave of several
            waves = f", wave {now['wave']} of {now['waves']}" if now["waves"] > 1 else ""
            said = f"▶ {reached}/{total}{share(now.get('percent'))} running{waves}"
        text.append(f"{dot}{said}", style=themed("bold $warning"))
    if reached < total:  # one phrase, so that the line fits 80 columns
        left = f"{total}/{total}" if reached + 1 == total else f"{reached + 1}–{total} of {total}"
        text.append(f" · ○ {left} not started", style="dim")
    earlier = [rollout[a:b] for a, b in pairwise(starts)]
    if earlier:
        text.append("\n Earlier ", style="bold")
        for number, stages in enumerate(earlier, 1):
            last = stages[-1]
            how = "reached" if last["ok"] else "failed at" if last.get("failed") else "stopped at"
            text.append(" · " if number > 1 else "", style="dim")
            said = f"{how} {last['index']}/{total} ({last['percent']:g}%)"
            text.append(f"rollout {number}: {said}", style="dim")
    return text


def _stage_running(st: StepState) -> dict[str, Any] | None:
    """The latest wave of a gradual re-enable's run, which names its stage (since
    2026-12-06); None for other steps."""
    latest = st.waves[max(st.waves)] if st.waves else None
    return latest if latest is not None and latest.get("stage") else None


def halt_text(state: IncidentState, step_id: str, retry_key: str) -> Text | None:
    """The halt banner, or None when the run was not halted. Its figures are the step's
    hosts in the fold (a retry of one host never reads "1 of 1"); the limit is the run's."""
    st = state.step(step_id)
    if not st.halted:
        return None
    halt: dict[str, Any] = next((h for h in reversed(state.halts) if h.get("step") == step_id), {})
    failed = sum(1 for r in st.hosts.values() if r.status in BAD)
    unknown = len(st.unknown())  # counted against the limit as the runner counts them
    waiting = sum(1 for r in st.hosts.values() if r.status is HostStatus.NOT_STARTED)
    if not failed + unknown + waiting:  # settled since (V): the halt held nothing back
        return None
    limit, reason = halt.get("max_fail_percentage"), halt.get("reason")
    # The limit crossed by unknown hosts that V found succeeded: none failed now (seen:
    # "✘ HALTED 0 of 3 host(s) failed, more than the limit of 25%"); the step reads stopped.
    settled = limit is not None and not failed + unknown
    if settled or (limit is None and not failed and not halt.get("probes")):  # or a no
        text = Text(" ◌ STOPPED ", style=themed("bold reverse $warning"))
    else:  # by failures, unknown hosts (? as the step reads), or a probe after a wave (⊗)
        mark = "✘" if failed else "⊗" if halt.get("probes") else "?" if unknown else "✘"
        text = Text(f" {mark} HALTED ", style=themed("bold reverse $error"))
    said = hosts_counted(failed, unknown, len(st.hosts))
    if settled:
        counted = f"{halt.get('failed')} of {halt.get('total')} host(s) failed or unknown"
        said = f"at the limit of {limit:g}% ({counted} then); none failed once verified"
    if limit is not None or failed or not reason:
        text.append(f" {said}", style="bold")
    if limit is not None and not settled:
        text.append(f", more than the limit of {limit:g}%", style="bold")
    elif reason and not settled:  # a wave that was not confirmed
        text.append(f" {reason}" if not failed else f" · {reason}", style="bold")
    # a halt crossed in the last wave held none back: no "0 ... t retries them" (seen)
    then = [f"{waiting} host(s) not started" if waiting else "every host was started"]
    if state.closed:  # nothing runs in a closed incident: no key offers a retry
        pass
    elif failed:
        them = "them with the failed ones" if waiting else "the failed ones"
        then.append(f"{retry_key} retries {them}")
    elif waiting and unknown:  # what the limit stopped for: known first, then the rest
        first = "check by hand" if state.no_verify_to_run(step_id) else "verify"
        then.append(f"{unknown} unknown: {first} first, then {retry_key} starts them")
        unknown = 0
    elif waiting:  # none failed: nothing else to retry
        then.append(f"{retry_key} goes on with them")
    if unknown:
        then.append(f"{unknown} unknown: {state.before_retrying(step_id)}")
    text.append("\n " + " · ".join(then))
    return text


def hosts_counted(failed: int, unknown: int, total: int) -> str:
    """`2 of 5 host(s) failed`; a host whose outcome is unknown counts against the limit
    (its change may have failed) and is said so, never failed: `1 of 3 host(s) unknown
    (none failed)`, `3 of 5 host(s) failed or unknown (2 failed, 1 unknown)`."""
    if not unknown:
        return f"{failed} of {total} host(s) failed"
    if not failed:
        return f"{unknown} of {total} host(s) unknown (none failed)"
    both = f"{failed + unknown} of {total} host(s) failed or unknown"
    return f"{both} ({failed} failed, {unknown} unknown)"


def held_text(st: StepState, retry_key: str, closed: bool = False) -> Text | None:
    """The banner of a gradual re-enable held between stages, and what a retry does (in
    an open incident); None when the step is not held."""
    held = st.held
    if st.status is not StepStatus.HELD or held is None:
        return None
    hosts = sum(1 for r in st.hosts.values() if r.status is HostStatus.HELD)
    text = Text(" ◐ HELD ", style=themed("bold reverse $warning"))
    text.append(f" {held.said(hosts, unit='%')}", style="bold")
    if closed:  # nothing runs in a closed incident: no key goes on
        text.append(f"\n every host stays at {held.percent}%")
        return text
    text.append(  # "N%": a figure and its unit are one word, never split by the wrap
        f"\n {retry_key} goes on with stage {held.index + 1} of {held.of}"
        f" ({held.next_percent}%); every host stays at {held.percent}% until then"
    )
    return text


def refused_text(st: StepState) -> Text | None:
    """The banner of hosts whose precheck refused them for good: nothing was changed
    there, a retry would refuse again, and what each said (it names the way on); None
    when no host was refused."""
    refused = st.refused()
    if not refused:
        return None
    n = len(refused)
    hosts, them = ("1 host", "it") if n == 1 else (f"{n} hosts", "them")
    if st.needed_nothing():  # the step is done on the others: the walk goes on
        text = Text(f" ⊘ {NEEDED_NOTHING.upper()} ", style=themed("bold reverse $primary"))
        text.append(
            f" {hosts}: the precheck found nothing to do, nothing changed there;"
            " the step is done on the others",
            style="bold",
        )
    else:
        text = Text(" ⊘ REFUSED ", style=themed("bold reverse $primary"))
        text.append(
            f" {hosts} at the precheck, nothing changed: a retry refuses {them} again",
            style="bold",
        )
    said: dict[str, list[str]] = {}
    for host, why in refused.items():
        said.setdefault(why, []).append(host)
    for why, named in list(said.items())[:2]:
        who = ", ".join(named[:3]) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
        text.append(f"\n {who}: {visible(why, one_line=True)}")
    if len(said) > 2:
        text.append(f"\n and {len(said) - 2} other reason(s): the grid has each", style="dim")
    return text


def step_banner(
    state: IncidentState, step_id: str, retry_key: str, running: bool
) -> tuple[Text | None, bool]:
    """The banner over the host grid: the halt, the hold, or once the step has ended the
    hosts its prechecks refused; and whether it is the refusal's (not an alarm)."""
    step = state.step(step_id)
    halted = halt_text(state, step_id, retry_key) or held_text(step, retry_key, state.closed)
    if halted is not None or running:
        return halted, False
    refused = refused_text(state.step(step_id))
    return refused, refused is not None


UNDO_WENT = {
    StepStatus.UNKNOWN: "left its outcome unknown",
    StepStatus.RUNNING: "is under way",
    StepStatus.STOPPED: "stopped between its waves",
    StepStatus.HALTED: "was halted",
}


def undone_before_text(incident: IncidentView, step_id: str) -> str | None:
    """What a step after an undone strategy step works on, said wherever it shows: the
    state before the rollback (a soak passing there proves nothing of the rollback)."""
    if step_id not in incident.order or incident.step(step_id).kind is StepKind.STRATEGY:
        return None
    found = incident.state.undone_before(incident.order, step_id)
    if found is None:
        return None
    undone_id, undo = found
    at = f" at {undo.finished:%H:%M} UTC" if undo.finished else ""
    does = "checks" if incident.step(step_id).kind is StepKind.PROBE else "works on"
    title = visible(incident.step(undone_id).title, one_line=True)
    done = done_by(incident.settings, incident.state, incident.step(undone_id))
    if not undo.status.finished:  # not everywhere: neither rolled back nor back for sure
        # as it went, never 'failed' of one whose hosts are unknown (walked at 80x24)
        went = UNDO_WENT.get(undo.status, "failed")
        return (
            f"An undo of “{title}” {went}{at} ({undo.summary}): where it ran, the hosts may"
            f" no longer be {done}"
        )
    return f"“{title}” was undone{at}: this {does} the hosts as they were before they were {done}"


def ran_since_checked(incident: IncidentView, step_id: str) -> str | None:
    """A stability check done before a strategy step ahead of it last ran (the first
    time, or again): it checked the hosts as they were then ("rolled back and verified"
    needs it run again)."""
    since = incident.state.ran_after_check(list(incident.order), step_id)
    if since is None:
        return None
    at, sid = since
    title = visible(incident.step(sid).title, one_line=True)
    return f"“{title}” ran at {at:%H:%M} UTC, after this check passed: run it again"


def soak_text(soak: dict) -> Text:
    """`2/3 healthy samples · round 2 of 6 · waiting`, and the detail."""
    healthy, needed = int(soak.get("healthy", 0)), int(soak.get("needed", 1))
    status = soak.get("status", "waiting")
    style = themed(
        {"passed": "bold $success", "failed": "bold $error"}.get(status, "bold $warning")
    )
    mark = {"passed": "✔", "failed": "✘"}.get(status, "◔")
    text = Text.assemble((f"{mark} {status}", style))
    lacking = inconclusive_for(soak.get("probes") or {}) if status != "passed" else ""
    if lacking:  # it read "✘ failed · 0/3 healthy", the probes ok on every host that answered
        text.append(f" · inconclusive: {lacking}", style=style)
    if soak.get("round") or status != "failed":  # failed before a round: nothing to count
        text.append(f" · {healthy}/{needed} healthy samples")
        text.append(f" · round {soak.get('round', 0)} of {soak.get('limit', '?')}")
    detail = str(soak.get("detail") or "")
    # A healthy round's detail is the count just said ("2/3 healthy"); an unhealthy
    # round's names the probes that are not.
    if detail and status != "passed" and detail != f"{healthy}/{needed} healthy":
        text.append(f" · {visible(detail, one_line=True)}", style="dim")
    if status == "stopped":  # cut short: nothing judged
        text.append(f" · {NOT_VERIFIED}", style=style)
    return text


def soak_round_lines(data: SoakProgress) -> list[str]:
    """One soak round for the output pane: the round, then each probe on its own line. A
    check run again (after a resume, a retry) says which try its rounds are: resumed after
    a kill mid-check, the pane read 'round 1, round 2, round 1, round 2, round 3'."""
    if not data.round and not data.probes:  # failed before a round: say why
        return [f"not sampled: {visible(data.detail or '', one_line=True)}"]
    again = f"try {data.attempt} · " if data.attempt > 1 else ""
    lines = [f"{again}round {data.round}: {data.healthy}/{data.needed} healthy ({data.status})"]
    for key, probe in sorted(data.probes.items()):
        threshold = probe.get("threshold")
        bad = f" (bad: {threshold})" if threshold and threshold != "–" else ""
        # as the tables show it (hosts' text: made visible); older journals: the value
        shown = probe.get("shown") or show(probe.get("value"), probe.get("unit") or "")
        value = visible(shown, one_line=True)
        lines.append(f"  {key} = {value}  {probe.get('state')}{bad}")
    return lines
