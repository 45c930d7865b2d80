"""What the console says when a step's run ends: a toast that names the outcome and the
keys that go on from it, and each channel's answer for a status update."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from console.journal.describe import describe
from console.model.events import Kind
from console.model.kinds import no_verify
from console.model.procedure import StepKind
from console.model.status import HostStatus, StepStatus, aborted_only
from console.model.visible import visible
from console.ui.checklist_todo import unknown_way_on
from console.ui.undo_first import undo_first_said
from console.ui.widgets.plain import figures

if TYPE_CHECKING:
    from console.ui.step_host import StepHost

# A step that ended neither done nor failed: its toast's title, and the way on with the
# keys it names (their ids, shown as they are bound).
WARNED: dict[StepStatus, tuple[str, str, tuple[str, ...]]] = {
    StepStatus.HELD: (
        "Step held",
        "{} goes on with the next stage, or skip.",
        ("execution.retry",),
    ),
    StepStatus.STOPPED: (
        "Step stopped between waves",
        "{} goes on with those not started, or skip.",
        ("execution.retry",),
    ),
    StepStatus.HALTED: (
        "Step halted by a probe",
        "Once the cause is dealt with, {} goes on with those not started, or skip.",
        ("execution.retry",),
    ),
    StepStatus.UNKNOWN: (
        "Step outcome unknown",
        "{} verifies {them}, {} retries only {them}.",
        ("resume.verify", "resume.retry"),
    ),
    StepStatus.REFUSED: (
        "Step refused",
        "A retry would refuse again: skip it ({}).",
        ("checklist.skip",),
    ),
}


def announce(app: StepHost, step_id: str, ok: bool) -> None:
    """The toast for a step's run that has just ended (none on the execution screen for a
    step done: it says so already)."""
    assert app.conductor is not None
    step = app.conductor.step(step_id)
    title = step.title
    if step.kind is StepKind.NOTIFY:
        _notified(app, step_id, ok)
    elif ok:
        # The execution screen already says so; elsewhere a short toast tells.
        if app.screen is not app.get_screen("execution"):
            st = app.conductor.state.step(step_id)
            said = f"{figures(st.summary)}." if st.needed_nothing() else "succeeded on every host."
            app.notify(f"“{title}” {said}", title="Step done", timeout=3)
    elif step.kind is StepKind.PROBE:  # no host failed: the systems were not stable
        summary = app.conductor.state.step(step_id).summary
        app.notify(f"“{title}”: {summary}", title="Step failed", severity="error")
    elif (st := app.conductor.state.step(step_id)).status in WARNED:
        toast, way_on, keys = WARNED[st.status]
        if st.status is StepStatus.UNKNOWN and no_verify(
            app.conductor.settings, app.conductor.state, step_id
        ):  # V only asks whether it still runs there
            way_on = (
                "No verify: check {them} by hand ({} says if it still runs), {} retries only"
                " {them}."
            )
        # one host unknown is "it" ('2 succeeded, 1 unknown. v verifies them' read oddly)
        lost = sum(1 for r in st.hosts.values() if r.status is HostStatus.UNKNOWN)
        them = "it" if lost == 1 else "them"
        way_on = way_on.format(*map(app.key_label, keys), them=them)
        said = f"“{title}”: {figures(st.summary)}. {way_on}"
        note = app.lasting_toast(said, toast, App.NOTIFICATION_TIMEOUT, "warning")
        conductor, status = app.conductor, st.status

        def holds() -> bool:  # gone once the step goes on (a retry, an undo, a skip)
            return app.conductor is conductor and conductor.state.step(step_id).status is status

        app.state_toasts.said(note, holds)
    else:
        retry = app.key_label("execution.retry")
        held = sum(1 for r in st.hosts.values() if r.status is HostStatus.HELD)
        # A rollout that failed: its retry takes the held hosts too, from its first stage.
        how = (
            f"{retry} retries from the first stage, with the {held} held"
            f" host{'s' if held > 1 else ''}"
            if held
            else f"Retry failed hosts with {retry}"
        )
        said = f"“{title}” did not succeed everywhere. {how}, or skip."
        # A person's abort is no failure of the hosts': said as such.
        aborted = aborted_only({r.status for r in st.hosts.values()})
        if aborted and not held:
            said = f"“{title}” was aborted ({figures(st.summary)}). {retry} retries it, or skip."
        # An attempt that left what only the undo puts back (a restore that did not
        # finish): the retry would be refused there.
        if undo := undo_first_said(app.key_label, app.conductor.state, step_id):
            said = f"“{title}” did not succeed everywhere: {undo}."
        # A host lost mid-change beside the failed ones: the retry leaves it out, and it
        # is settled first (the toast named only the retry and the skip).
        if unknown := unknown_way_on(app.conductor, step_id, app.key_label):
            said += f" {unknown}."
        app.notify(
            said,
            title="Step aborted" if aborted else "Step failed",
            severity="error",
        )


def _notified(app: StepHost, step_id: str, ok: bool) -> None:
    """What each channel of a status update said, as one toast."""
    from console.model.payloads import NotificationResult  # its family: sent already

    assert app.conductor is not None  # a step just ran in the open incident
    sent: list[str] = []
    undelivered = delivered = False
    for event in reversed(app.conductor.recorder.events.actions):  # this attempt's
        if event.where.step == step_id and event.kind == Kind.STEP_STARTED:
            break
        if event.where.step == step_id and isinstance(event.data, NotificationResult):
            sent.insert(0, describe(event))
            undelivered = undelivered or not event.data.ok
            delivered = delivered or event.data.ok
    if ok and undelivered:
        title = "not every channel" if delivered else "NOT DELIVERED on any channel"
        app.notify("\n".join(sent), title=f"Status update: {title}", severity="warning")
    elif ok:
        app.notify("\n".join(sent) or "sent", title="Status update sent", timeout=6)
    else:
        app.notify("\n".join(sent) or "not sent", title="Status update FAILED", severity="error")


def announce_undo(app: StepHost, step_id: str, ok: bool) -> None:
    """The toast for the undo of strategy step `step_id` that has just ended: a host whose
    outcome is unknown (lost mid-undo) is said so, with the way to settle it, not failed."""
    assert app.conductor is not None
    title = app.conductor.step(step_id).title
    undo = app.conductor.state.step(f"{step_id}.undo")
    if ok:
        app.notify(f"Undo of “{title}”: {undo.summary}.", title="Undone", timeout=6)
    elif undo.status.between_waves:  # a no between its waves: none failed
        retry = app.key_label("execution.retry")
        app.notify(
            f"Undo of “{title}” stopped between its waves: {undo.summary}. {retry} on"
            " the execution screen goes on with the hosts not started.",
            title="Undo stopped",
            severity="warning",
        )
    elif undo.status is StepStatus.UNKNOWN:  # none failed: back as before, or not
        way_on = unknown_way_on(app.conductor, undo.id, app.key_label)
        app.notify(
            f"Undo of “{title}”: {figures(undo.summary)}. {way_on}.",
            title="Undo outcome unknown",
            severity="warning",
        )
    else:
        # where it left the data, in the host's own words (the presets say it)
        failed = [r for r in undo.hosts.values() if r.status is HostStatus.FAILED]
        where = [f"\n{r.host}: {visible(r.said(), one_line=True)}" for r in failed[:1]]
        app.notify(
            f"Undo of “{title}” did not succeed everywhere: {undo.summary}.{''.join(where)}",
            title="Undo failed",
            severity="error",
        )
