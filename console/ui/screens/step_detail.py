"""The checklist's detail pane: the highlighted step in full, what is most pressing first
(at 80x24 the pane shows six lines): its state, hosts left unknown, its result, its undo,
notes, its description, and what it runs where."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from console.model.alike import counted_alike
from console.model.kinds import no_verify
from console.model.procedure import Step, StepKind
from console.model.review import filled_in
from console.model.state import HostStatus, IncidentState, StepStatus
from console.model.status import before_retrying
from console.model.step_state import recovery_said
from console.model.visible import given_first, visible
from console.ui.palette import themed
from console.ui.screens.execution_keys import failed_names
from console.ui.widgets.plain import figures, prose
from console.ui.widgets.run_summary import ran_since_checked, undone_before_text
from console.ui.widgets.sending import answered_update, repeated_update, sending_text

UNDO_FAILED_SHOWN = 2  # hosts whose failed undo's last line the step's detail shows
PROBES_NAMED = 3  # a stability check's probes named in its detail, the rest counted

if TYPE_CHECKING:
    from console.ui.incident_app import IncidentApp
    from console.ui.incident_view import IncidentView

SENDS_TO_HOSTS = (StepKind.COMMAND, StepKind.STRATEGY)


def step_detail(app: IncidentApp, incident: IncidentView, step: Step, status: Text) -> Text:
    """Step `step` of `incident` in full; `status` is its state as the list shows it."""
    st = incident.state.step(step.id)
    text = Text.assemble((step.title, "bold"), "\n", status, f" · {step.kind} step")
    # A periodic update's answers, when it is not the first (the step's result is that).
    repeated = repeated_update(incident, step.id) if step.kind is StepKind.NOTIFY else None
    warnings = repeated[1] if repeated else st.warnings
    if st.status is StepStatus.DONE and warnings:
        text.append(f" · not delivered on {warnings} channel(s)", style=themed("$warning"))
    if step.kind is StepKind.NOTIFY and (sending := sending_text(incident, step.id)):
        text.append("\n").append_text(sending)
    # Most pressing first: at 80x24 the pane shows six lines.
    if unknown := _unknown(app, incident, step.id):
        text.append(unknown, style=themed("bold $accent"))
    # A result may quote a host (a notification's answer): shown, never obeyed.
    if repeated:
        text.append("\n").append_text(repeated[0])
    elif st.summary:
        text.append(f"\nResult: {figures(visible(st.summary))}")  # "held at 25%" whole
    elif step.kind is StepKind.NOTIFY and (answered := answered_update(incident, step.id)):
        text.append("\n").append_text(answered)  # no result: its console ended first
    # What the data is brought back to (a recovery's target), before it runs and after.
    to = _recovers_to(incident, step) if st.status is StepStatus.PENDING else st.to
    if said := recovery_said(st.status, to):
        text.append(f"\n{said[0].upper()}{said[1:]}", style="bold")
    # Among 50, which ones; failed ones by how (117 non-zero exit, 1 connection refused).
    failed = {
        r.host: r.failure.value if r.failure else r.status.value
        for r in st.hosts.values()
        if r.status is HostStatus.FAILED
    }
    named = {
        HostStatus.FAILED: f": {counted_alike(failed)}" if failed else "",
        HostStatus.ABORTED: failed_names(list(st.hosts.values()), HostStatus.ABORTED),
    }
    for down, said in named.items():
        if said:
            why = app.key_label("go.execution")
            text.append(
                f"\n{down.symbol} {down.value}{said} · {why} shows why", themed("bold $error")
            )
    # What its undo did, once it ended after the step (a step run again reads as run).
    undo = incident.state.undone(step.id)
    if undo is not None:
        said = "Undone since" if undo.status.finished else "Undo did not succeed everywhere"
        said = "Undo stopped between its waves" if undo.status.between_waves else said
        said = "Undo's outcome unknown" if undo.status is StepStatus.UNKNOWN else said
        text.append(f"\n{said}: {visible(undo.summary)}", style=themed("bold $warning"))
        if lost := _unknown(app, incident, undo.id):  # lost mid-undo: not failed
            text.append(lost, style=themed("bold $accent"))
        # Where the undo left each host it failed on, in the host's own last words (the
        # presets say where the data is): "1 failed" alone said nothing of it.
        undo_failed = [r for r in undo.hosts.values() if r.status is HostStatus.FAILED]
        for run in undo_failed[:UNDO_FAILED_SHOWN]:
            text.append(f"\n  {run.host}: {visible(run.said(), one_line=True)}")
        if undo_failed[UNDO_FAILED_SHOWN:]:
            left = len(undo_failed) - UNDO_FAILED_SHOWN
            text.append(f"\n  +{left} more: {app.key_label('go.execution')} shows each")
    after = undone_before_text(incident, step.id) or ran_since_checked(incident, step.id)
    if after is not None:
        text.append(f"\n{after}", style=themed("bold $warning"))
    if st.skip_reason:
        text.append(f"\nSkipped: {visible(st.skip_reason)}")
    for note in st.notes[-3:]:
        text.append(f"\n✎ {visible(note)}", style=themed("$secondary"))
    if step.description:
        text.append("\n").append_text(prose(step.description))
    state = incident.state
    if step.kind is StepKind.STRATEGY and state.strategy:
        chosen = step.strategy or state.strategy
        configured = [s for s in app.settings.strategies if s.name == chosen]
        defaults = {p.name: p.default for s in configured for p in s.params}
        values = [s.values_in(state.strategy, state.params) for s in configured]
        params = given_first(values[0] if values else state.params, defaults)
        ran = st.ran_strategy if st.status is not StepStatus.RUNNING else None
        if ran and ran != chosen:  # the result above is not the chosen one's
            text.append(f"\nRan: {ran} · chosen since, not run yet: {chosen}")
        else:
            text.append(f"\nStrategy: {chosen}")
        text.append(f" ({params})" if params else "")
    elif step.kind is StepKind.FORM and st.status is StepStatus.PENDING and step.fields:
        # (no fields: a follower of a journal written before they were journalled)
        empty = [f.label for f in step.must_fill if not filled_in(state, f)]
        filled = sum(1 for f in step.fields if filled_in(state, f))
        text.append(f"\n{filled} of {len(step.fields)} field(s) filled; done once filled: ")
        text.append(", ".join(empty) or "all of them (save the form)")
    elif step.command:
        first, *more = step.command.strip().splitlines()
        where = " on the jump host" if step.kind is StepKind.NOTIFY else ""
        text.append(f"\nRuns{where}: {first}", style="dim")
        if more:  # never read as the whole command
            text.append(f" (+{len(more)} more line{'s' if len(more) > 1 else ''})", style="dim")
    if step.kind is StepKind.PROBE and not app.read_only:  # a follower's settings have no probes
        text.append(f"\n{_holds(app, state, step)}")
    if state.hosts and step.kind in (*SENDS_TO_HOSTS, StepKind.PROBE):
        text.append(f"\nHosts: {_hosts(app, state, step)}")
    if step.kind in SENDS_TO_HOSTS and not app.read_only:
        text.append(
            f"\n{app.key_label('checklist.preview')} shows every command it would send, per host",
            style="dim",
        )
    return text


def _hosts(app: IncidentApp, state: IncidentState, step: Step) -> str:
    """`4 in web, api`: the hosts it goes to. A strategy step goes to those whose system
    lists its strategy (one naming its own may leave some systems out)."""
    systems = state.systems
    name = step.strategy or state.strategy
    if step.kind is StepKind.STRATEGY and name:
        listed = {s.name: s.strategies for s in app.settings.inventory.systems}
        systems = [s for s in systems if name in listed.get(s, [])]
        if not systems:
            return f"none: no selected system lists {name}"
    hosts = [h for h, system in state.hosts.items() if system in systems]
    return f"{len(hosts)} in {', '.join(systems)}"


def _holds(app: IncidentApp, state: IncidentState, step: Step) -> str:
    """What a stability check holds, and for how long: the probes of the systems
    (`db/accepting`), the healthy rounds in a row it needs, at most how many, how far
    apart."""
    systems = [s for s in app.settings.inventory.systems if s.name in state.systems]
    probes = [(f"{s.name}/{p.name}", p.interval) for s in systems for p in s.probes]
    if not probes:
        return "Holds nothing: no probe watches these systems ([[systems.probes]])"
    window = step.soak or app.settings.triggers.soak
    apart = window.interval or max(interval for _, interval in probes)
    names = ", ".join(name for name, _ in probes[:PROBES_NAMED])
    if len(probes) > PROBES_NAMED:
        names += f" +{len(probes) - PROBES_NAMED} more"
    rounds = f"{window.samples} round{'s' if window.samples > 1 else ''}"
    return f"Holds {names} healthy {rounds} in a row (at most {window.limit}, {apart:g} s apart)"


def _recovers_to(incident: IncidentView, step: Step) -> str:
    """What the strategy chosen for `step` brings the data back to, run now (its
    start records it: `StepState.to`), or ""."""
    state = incident.state
    chosen = step.strategy or state.strategy
    if step.kind is not StepKind.STRATEGY or not chosen:
        return ""
    configured = [s for s in incident.settings.strategies if s.name == chosen]
    return (
        configured[0].recovers_to(configured[0].values_in(state.strategy, state.params))
        if configured
        else ""
    )


def _unknown(app: IncidentApp, incident: IncidentView, step_id: str) -> str:
    """`? unknown: verify before retrying: web-2 (v verifies, r retries only them)`: the
    hosts of `step_id` (a step, or its undo) whose outcome is unknown, and what settles
    them; "" when there are none."""
    unknown = incident.state.step(step_id).unknown()
    if not unknown:
        return ""
    # A step with no verify (an undo too): V only asks whether the attempt still runs there.
    no = no_verify(incident.settings, incident.state, step_id)
    verifies = "says if it still runs (no verify: check by hand)" if no else "verifies"
    if incident.state.closed:  # V and R do not run after it
        keys = "closed: verify by hand, as the banner says"
    elif app.read_only:  # a follower's keys do nothing: whose they are
        keys = (
            "no verify: the commander checks by hand, then retries them"
            if no
            else "the commander verifies or retries them"
        )
    else:
        keys = (
            f"{app.key_label('resume.verify')} {verifies},"
            f" {app.key_label('resume.retry')} retries only them"
        )
    return f"\n? unknown: {before_retrying(bool(no))}: {', '.join(unknown)} ({keys})"
