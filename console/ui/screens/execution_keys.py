"""Which keys the execution screen offers for a step: whether a retry can run, its
heading's counts with the failed hosts it names, and the next key it names (abort while it runs, the next stage of a held rollout, a
retry of the failed hosts (of a failed rollout: with its held ones, from its first
stage), the skip of a step its prechecks refused, or after a failed soak a retry, or
the skip when no probe watches the systems)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text

from console.model.procedure import StepKind
from console.model.status import HostStatus, StepStatus
from console.model.step_state import NEEDED_NOTHING, recovery_said
from console.model.visible import visible
from console.ui.palette import themed
from console.ui.screens.execution_rows import FINISHED, HOSTKEY, PROBLEMS, why_text
from console.ui.undo_first import undo_first_said

if TYPE_CHECKING:
    from console.model.state import HostRun
    from console.ui.incident_app import IncidentApp
    from console.ui.incident_view import IncidentView


def shown_step(app: IncidentApp, incident: IncidentView) -> str | None:
    """The step a worker is running (one that runs on no host, a status update, too),
    else the last one that ran on hosts: the one whose hosts the journal last spoke
    of (a step run again after its undo is later than the undo, though the undo's
    record came into being after it)."""
    app_step, running = app.exec_step, incident.running
    if app_step and (app_step in running or not running):
        return app_step
    if running:  # in procedure order: a drill's fault steps, not in it, after
        order = {s: i for i, s in enumerate(incident.order)}
        return min(running, key=lambda s: (order.get(s, len(order)), s))
    steps = incident.state.steps
    runs = [sid for sid, st in steps.items() if st.hosts]
    return max(runs, key=lambda sid: max(r.seq for r in steps[sid].hosts.values()), default=None)


def watched(app: IncidentApp, incident: IncidentView) -> bool:
    """Whether a probe watches any of the incident's systems (a follower's settings
    may not name them all)."""
    systems = set(incident.state.systems)
    return any(s.probes for s in app.settings.inventory.systems if s.name in systems)


def unsampled(app: IncidentApp, incident: IncidentView, soak: dict) -> bool:
    """A soak that sampled nothing, no probe watching the systems: a retry or another
    strategy would sample nothing again."""
    return not soak.get("round") and not watched(app, incident)


def after_failed_soak(app: IncidentApp, incident: IncidentView, step_id: str, soak: dict) -> str:
    """The keys that can help: a retry or another strategy, unless no probe watches
    the systems (a retry would sample nothing again): then the way to skip the step; or,
    after an undone strategy step, the way back to it (a retry samples the same state)."""
    key = app.key_label
    if unsampled(app, incident, soak):
        return f" · {key('go.checklist')} back to the checklist, where {key('checklist.skip')} skips it"
    undone = incident.state.undone_before(incident.order, step_id)
    if undone is not None:
        title = visible(incident.step(undone[0]).title, one_line=True)
        return f" · {key('go.checklist')} back to the checklist, where Enter runs “{title}” again"
    return f" · {key('execution.retry')} retries · {key('execution.strategy')} another strategy"


def offers_other_strategy(
    app: IncidentApp, incident: IncidentView, step_id: str | None, kind: StepKind | None
) -> bool:
    """Whether b (another strategy) is a way on from the step shown: a step running the
    incident's strategy, not running, or a failed soak whose line names it
    (`after_failed_soak`); never a command step, a step with a strategy of its own (it
    runs that one whatever is chosen), nor a step running."""
    if step_id is None or step_id in incident.running:
        return False
    if kind is StepKind.STRATEGY:
        return not incident.step(step_id).strategy
    state = incident.state
    if kind is not StepKind.PROBE or state.step(step_id).status is not StepStatus.FAILED:
        return False
    soak = state.soak.get(step_id, {})
    undone = state.undone_before(incident.order, step_id)
    return not unsampled(app, incident, soak) and undone is None


BAD = {HostStatus.FAILED, HostStatus.ABORTED, HostStatus.HELD}  # t retries these


class Offers(NamedTuple):
    """What the execution screen's keys can do now, as of its last sync: each is offered
    in the footer only then (`allows`)."""

    retry: bool = False  # failed hosts, or a failed soak a probe watches
    held: bool = False  # a held rollout: its retry goes on with the next stage
    # a failed rollout with hosts held at a stage: its retry starts them all again at the
    # first stage (the footer said "Retry failed", its toast "from the first stage")
    restage: bool = False
    # stopped between waves, none failed: its retry goes on with the hosts not started
    # (the footer said "Retry failed" beside "t goes on with the 1 not started")
    goes_on: bool = False
    other_strategy: bool = False
    grid: bool = False  # hosts to show, all or the problems only (a soak has none)
    host_key: bool = False  # a host of the step failed on its host key (k accepts or says why not)
    why: bool = False  # the highlighted host has a reason to read whole (Enter)

    def allows(self, action: str) -> bool:
        needs = {
            "retry": self.retry,
            "problems": self.grid,
            "other_strategy": self.other_strategy,
            "accept_key": self.host_key,
            "why": self.why,
        }
        return needs.get(action, True)


def offers(
    app: IncidentApp,
    incident: IncidentView,
    step_id: str | None,
    kind: StepKind | None,
    updating: bool,
    highlighted: HostRun | None,
) -> Offers:
    """What the keys can do for the step shown (of `kind`; `updating`: a status update being
    sent) and the highlighted host."""
    if step_id is None:
        return Offers()
    st = incident.state.step(step_id)
    soaking = kind is StepKind.PROBE or updating
    return Offers(
        retry=can_retry(app, incident, step_id, kind is StepKind.PROBE),
        held=st.status is StepStatus.HELD and st.held is not None,
        restage=st.status is StepStatus.FAILED
        and any(r.status is HostStatus.HELD for r in st.hosts.values()),
        goes_on=not st.unknown()
        and {r.status for r in st.hosts.values()} & BAD == set()
        and any(r.status is HostStatus.NOT_STARTED for r in st.hosts.values()),
        other_strategy=offers_other_strategy(app, incident, step_id, kind),
        grid=not soaking,
        host_key=not soaking and any(r.failure in HOSTKEY for r in st.hosts.values()),
        why=not soaking and why_text(highlighted) is not None,
    )


def can_retry(app: IncidentApp, incident: IncidentView, step_id: str | None, probe: bool) -> bool:
    """Whether the step shown has something to retry now: failed hosts, or a failed soak
    that a probe watches (one no probe watches would fail the same way again)."""
    if step_id is None or step_id in incident.running:
        return False
    if probe:
        return watched(app, incident) and incident.state.step(step_id).status is StepStatus.FAILED
    # A host whose attempt left what only the undo puts back would refuse the retry again.
    return bool(set(incident.failed_hosts(step_id)) - set(incident.state.undo_first(step_id)))


def next_key(
    app: IncidentApp,
    incident: IncidentView,
    step_id: str,
    failed: int,
    aborted: int,
    problems_only: bool,
) -> str:
    """The next key for this step, named as it is bound; abort only while it runs."""
    key = app.key_label
    if app.read_only:  # a follower's keys change nothing: none is offered
        return ""
    if step_id in incident.running:
        return f" · {key('execution.abort')} aborts"
    st = incident.state.step(step_id)
    if st.status is StepStatus.HELD and st.held:
        return f" · {key('execution.retry')} goes on with stage {st.held.index + 1}"
    held = sum(1 for r in st.hosts.values() if r.status is HostStatus.HELD)
    # A rollout that failed, or stopped between a stage's waves: its retry takes the held
    # hosts too, from its first stage.
    first = f"from the first stage, with the {held} held host{'s' if held > 1 else ''}"
    if failed or aborted:
        more = "" if problems_only else f" · {key('execution.problems')} problems only"
        if incident.state.closed:  # nothing runs in a closed incident
            return more
        if undo := undo_first_said(key, incident.state, step_id):
            return f" · {undo}" + more
        which = " and ".join(w for w, n in (("failed", failed), ("aborted", aborted)) if n)
        return f" · {key('execution.retry')} retries {first if held else f'{which} hosts'}" + more
    idle = sum(1 for r in st.hosts.values() if r.status is HostStatus.NOT_STARTED)
    if idle and held and not st.unknown():
        return f" · {key('execution.retry')} runs the {idle} not started {first}"
    if idle and not st.unknown():  # stopped between waves (Esc, or a console gone)
        return f" · {key('execution.retry')} goes on with the {idle} not started"
    if st.status is StepStatus.REFUSED:  # a retry would refuse again: what its line names
        skip = f"{key('checklist.skip')} skips it (on {key('go.checklist')})"
        return f" · {skip} · {key('execution.strategy')} other strategy"
    if st.status.finished:
        return f" · {key('go.checklist')} back to the checklist"
    return ""


NAMED = 3  # failed hosts named in the counts line; the others counted


def failed_names(runs: list[HostRun], status: HostStatus = HostStatus.FAILED) -> str:
    """`: web-23, web-37, web-51 (+1 more)`: the hosts that failed (or were aborted), in
    the grid's order: among 50 hosts a failed one may be rows below the grid's sight (p
    shows them alone)."""
    down = [r.host for r in runs if r.status is status]
    more = f" (+{len(down) - NAMED} more)" if len(down) > NAMED else ""
    return f": {', '.join(down[:NAMED])}{more}" if down else ""


def counts_line(
    app: IncidentApp, incident: IncidentView, step_id: str, hosts: int, problems_only: bool
) -> Text:
    """`2 of 3 hosts finished · 1 failed: web-2 · t retries failed hosts`: what the step's
    hosts came to, the failed ones named, and the next key."""
    runs = list(incident.state.step(step_id).hosts.values())
    done = sum(1 for r in runs if r.status in FINISHED)
    failed = sum(1 for r in runs if r.status is HostStatus.FAILED)
    # a person's abort is no failure of the hosts': said as such
    aborted = sum(1 for r in runs if r.status is HostStatus.ABORTED)
    refused = sum(1 for r in runs if r.status is HostStatus.REFUSED)
    idle = sum(1 for r in runs if r.status is HostStatus.NOT_STARTED)
    # What the data is brought back to (a recovery's target), as it runs and after.
    st = incident.state.step(step_id)
    said = recovery_said(st.status, st.to)
    line = Text()
    if said:
        line.append(f"{said[0].upper()}{said[1:]}", style="bold").append(" · ")
    # A host never sent anything has not finished anything: said apart, not counted.
    line.append(f"{done - idle} of {hosts} hosts finished")
    if failed:
        line.append(f" · {failed} failed", style=themed("bold $error"))
        if not problems_only:  # else the grid shows them, and them only
            line.append(failed_names(runs), style=themed("$error"))
    if aborted:
        line.append(f" · {aborted} aborted", style=themed("bold $error"))
        if not problems_only:
            line.append(failed_names(runs, HostStatus.ABORTED), style=themed("$error"))
    if idle:
        line.append(f" · {idle} not started", style=themed("bold $warning"))
    if refused and incident.state.step(step_id).needed_nothing():  # the others succeeded
        line.append(
            f" · {refused} {NEEDED_NOTHING} (nothing changed)", style=themed("bold $primary")
        )
    elif refused:
        line.append(f" · {refused} refused (nothing changed)", style=themed("bold $primary"))
    if problems_only:
        shown = sum(1 for r in runs if r.status in PROBLEMS)
        problems = app.key_label("execution.problems")
        line.append(f" · showing {shown} problem host(s), {problems} shows all", style="bold")
    line.append(next_key(app, incident, step_id, failed, aborted, problems_only), style="dim")
    return line
