"""Closing an incident with its outcome: what each outcome needs, the end time, the locks,
amendments after the close, and resume of a closed incident (amendments only)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, RadioButton, RadioSet

from console.cli import _reported
from console.cli.parser import EXIT_REFUSED
from console.engine.closing import UnsettledClose
from console.engine.conductor import ProcedureError
from console.engine.errors import LockRefused
from console.journal.export.markdown import render_markdown
from console.journal.lock import SystemLocks
from console.model.events import Kind
from console.model.outcome import Outcome
from console.model.procedure import FormField
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.close import CloseDialog
from console.ui.screens.form import FormScreen
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    _run_on_hosts,
    build_app,
    close_anyway,
    demo_settings,
    populated,
    populated_app,
    type_text,
    until,
    until_shown,
)


def finish_every_step(conductor) -> None:
    """Skip whatever is left, so that the checklist is done."""
    for step_id in conductor.order:
        if not conductor.state.step(step_id).status.finished:
            conductor.skip(step_id, "not needed for this test")


def test_each_outcome_says_what_it_needs(tmp_path: Path) -> None:
    _, conductor = populated(demo_settings(), tmp_path / "incidents")
    with pytest.raises(ProcedureError, match="needs a reason"):
        conductor.close(Outcome.NOT_NEEDED, reason="  ")
    with pytest.raises(ProcedureError, match="needs the hosts left"):
        conductor.close(Outcome.PARTIAL)
    with pytest.raises(ProcedureError, match="not a host of this incident: db-1"):
        conductor.close(Outcome.PARTIAL, hosts=["db-1"])
    with pytest.raises(ProcedureError, match="needs whom it was handed to"):
        conductor.close(Outcome.HANDED_OVER)
    # web-2 failed and web-3 never finished the restore: "verified" would be a lie.
    with pytest.raises(ProcedureError, match="not rolled back: web-2, web-3"):
        conductor.close(Outcome.ROLLED_BACK)
    assert not conductor.state.closed
    assert conductor.not_rolled_back() == ["web-2", "web-3"]


def test_rolled_back_but_not_verified_is_told_to_verify_not_to_name_hosts(
    tmp_path: Path,
) -> None:
    """Every host rolled back, the stability check skipped: "partially rolled back" needs
    hosts left and there are none, so the refusal does not offer it."""
    _, conductor = populated(demo_settings(), tmp_path / "incidents")
    done = ("verify", 0, "healthy on 2.4.0")
    _run_on_hosts(conductor, "restore", {h: done for h in ("web-1", "web-2", "web-3")})
    conductor.skip("verify", "no probes on web yet")
    assert conductor.not_rolled_back() == []
    with pytest.raises(ProcedureError) as refused:
        conductor.close(Outcome.ROLLED_BACK)
    assert str(refused.value) == (
        "the record does not show every host rolled back and verified (not done: Verify"
        " system stability): every host is rolled back: finish the stability check first,"
        " or close as rolled back, not verified (saying how it was checked)"
    )
    with pytest.raises(ProcedureError, match="needs a reason"):
        conductor.close(Outcome.UNVERIFIED)
    conductor.close(Outcome.UNVERIFIED, reason="checkout tried by hand on each host")
    assert conductor.state.outcome_label == (
        "rolled back, not verified: checkout tried by hand on each host"
    )
    assert not Outcome.UNVERIFIED.good  # the page is not resolved, the list marks it ◑


def test_not_verified_needs_every_host_rolled_back(tmp_path: Path) -> None:
    """Hosts left: that is partially rolled back, with the hosts named."""
    _, conductor = populated(demo_settings(), tmp_path / "incidents")
    with pytest.raises(ProcedureError) as refused:
        conductor.close(Outcome.UNVERIFIED, reason="checked by hand")
    assert str(refused.value) == (
        "closing as “rolled back, not verified” needs every host rolled back (not rolled"
        " back: web-2, web-3): close as partially rolled back, or finish the steps first"
    )
    assert not conductor.state.closed


def restart_ended_on_web_3(conductor) -> None:
    """web-3's restart (sent, no outcome yet in `populated`) ended: no host is unknown."""
    conductor.recorder.record(
        Kind.COMMAND_RESULT, stage="action", final=True, exit_status=0, duration=0.25,
        system="web", host="web-3", step="restore",
    )  # fmt: skip


def test_the_close_records_the_end_time_and_releases_the_locks(tmp_path: Path) -> None:
    _, conductor = populated(demo_settings(), tmp_path / "incidents")
    restart_ended_on_web_3(conductor)
    conductor.locks = SystemLocks(tmp_path / "locks")
    conductor.lock_systems(["web"])
    conductor.close(Outcome.PARTIAL, hosts=["web-2", "web-3"])
    state = conductor.state
    assert state.closed and state.closed_at == conductor.recorder.events[-1].ts
    assert state.outcome == "partial"
    assert state.outcome_label == "partially rolled back; not rolled back: web-2, web-3"
    kinds = [e.kind for e in conductor.recorder.events[-2:]]
    assert kinds == [Kind.LOCK_RELEASED, Kind.INCIDENT_CLOSED]
    assert conductor.locks.holder("web") is None
    with pytest.raises(ProcedureError, match="already closed"):
        conductor.close(Outcome.ABORTED, reason="again")


def test_after_the_close_only_amendments_are_recorded(tmp_path: Path) -> None:
    _, conductor = populated(demo_settings(), tmp_path / "incidents")
    conductor.close(Outcome.HANDED_OVER, to="alice (database on-call)")
    for refused in (
        lambda: conductor.confirm("initiate"),
        lambda: conductor.skip("verify", "no"),
        lambda: conductor.select(["web"]),
    ):
        with pytest.raises(ProcedureError, match=r"closed .*only the post-rollback form"):
            refused()
    conductor.set_field(FormField.ROOT_CAUSE, "a renamed config key", "root-cause")
    state = conductor.state
    assert state.outcome == "handed-over"  # the outcome stays
    assert state.fields["root_cause"] == "a renamed config key"
    amendment = state.amendments[-1]
    assert (amendment["field"], amendment["by"]) == ("root_cause", "commander")
    document = render_markdown(conductor.recorder.events)
    assert "| Outcome | handed over to alice (database on-call) |" in document
    assert f"| Closed | {state.closed_at:%Y-%m-%d %H:%M:%S} UTC by commander |" in document
    assert (
        "| commander | closed the incident: handed over to alice (database on-call) |" in document
    )
    assert "| commander | set root cause to “a renamed config key” |" in document  # history
    assert "documented root cause (amendment after the close)" in document


def test_resume_of_a_closed_incident_opens_it_for_amendments_only(tmp_path: Path) -> None:
    engine, conductor = populated(demo_settings(), tmp_path / "incidents")
    conductor.close(Outcome.NOT_NEEDED, reason="the errors were a load test")
    conductor.recorder.close()
    again = engine.resume(conductor.recorder.path)
    assert again.state.closed and again.state.outcome == "not-needed"
    assert again.recorder.events[-1].data.amendments_only is True
    with pytest.raises(ProcedureError, match="closed"):
        again.confirm("initiate")
    summary = next(i for i in engine.incidents() if i.incident_id == again.state.incident_id)
    assert summary.outcome_label == "not needed (false alarm): the errors were a load test"


async def test_the_checklist_offers_the_close_when_the_last_step_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("checklist")
        finish_every_step(app.conductor)  # the checklist says so at its next sync
        await until_shown(pilot, "#where-todo", "Enter closes the incident with its outcome")
        await pilot.press("enter")
        assert isinstance(app.screen, CloseDialog)
        radios = app.screen.query_one("#close-outcome", RadioSet)
        assert radios.pressed_button.name == "partial"  # what the record shows
        detail = app.screen.query_one("#close-detail", Input)
        assert detail.value == "web-2"  # web-3's outcome is unknown: neither (helper-94)
        # Enter on the outcome under the highlight chooses it, as Space does, and closes
        # nothing: it closed as the ● suggested (partial) while the bar was on Aborted.
        await pilot.press("down", "enter")  # aborted: a reason is needed
        await until(pilot, lambda: app.screen.focused is detail)
        assert radios.pressed_button.name == "aborted" and not app.conductor.state.closed
        await pilot.press("enter")
        assert "needs a reason" in str(app.screen.query_one("#close-error").render())
        await type_text(pilot, "bridge decided to stop")
        await pilot.press("f7")  # before Enter has said what stays held: what Enter does
        await until_shown(pilot, "#close-error", "F7 closes anyway")
        assert not app.conductor.state.closed  # web-3's restart has no outcome on record
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        state = app.conductor.state
        assert state.outcome == "aborted" and state.outcome_label == (
            "aborted: bridge decided to stop"
        )
        await until_shown(pilot, "#where-step", "■ Closed: aborted: bridge decided to stop")
        assert "closed: aborted" in str(app.screen.query_one("IncidentBar").render())
        await pilot.press("f7")  # nothing more to close
        assert isinstance(app.screen, ChecklistScreen)


async def test_f7_closes_and_the_form_then_records_amendments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await _f7_on_the_checklist(pilot)
        radios = app.screen.query_one("#close-outcome", RadioSet)
        assert radios.pressed_button.name == "partial"  # suggested, and highlighted
        for _ in range(3):  # partial, aborted, not needed, handed over
            await pilot.press("down")
        await pilot.press("space")
        # web-3's restart has no outcome on record: Enter says what stays held, F7 closes.
        await close_anyway(pilot, "alice")
        assert app.conductor.state.unknown_at_close == ["web-3"]
        assert radios.pressed_button.name == "handed-over"
        assert app.conductor.state.outcome_label == "handed over to alice"
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, FormScreen))
        await until_shown(pilot, "#form-title", "Amending the closed incident")
        field = app.screen.query_one("#field-root_cause", Input)
        field.focus()
        await type_text(pilot, "config key renamed")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(app.conductor.state.amendments))
        amended = [a["field"] for a in app.conductor.state.amendments]
        assert "root_cause" in amended and "reason" not in amended  # unchanged: not re-recorded
        assert app.conductor.state.outcome == "handed-over"


async def test_the_palette_offers_the_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        await app.push_screen("checklist")
        await pilot.press("ctrl+p")
        await type_text(pilot, "close the incident")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))


async def close_with_the_check_skipped(pilot, reason: str):
    """Every host of the populated incident rolled back, the stability check skipped with
    `reason`, then F7: the close dialog is open. The conductor."""
    app = pilot.app
    app.attach(app.prepared)
    conductor = app.conductor
    done = ("verify", 0, "healthy on 2.4.0")
    _run_on_hosts(conductor, "restore", {h: done for h in ("web-1", "web-2", "web-3")})
    conductor.skip("verify", reason)
    await app.push_screen("checklist")
    await pilot.press("f7")
    await until(
        pilot,
        lambda: isinstance(app.screen, CloseDialog) and bool(app.screen.query("#close-detail")),
    )
    return conductor


async def test_rolled_back_with_the_check_skipped_is_offered_as_not_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A configuration without probes (the quickstart's): every host rolled back, the
    stability check skipped with a reason. F7 suggests "rolled back, not verified" and asks
    how it was checked; the record then says so, not "aborted" or a false "verified"."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        conductor = await close_with_the_check_skipped(pilot, "no probes on web yet")
        radios = app.screen.query_one("#close-outcome", RadioSet)
        assert radios.pressed_button.name == "unverified"
        assert str(app.screen.query_one("#close-ask").render()) == (
            "How was it checked instead, or why not? It goes into the record."
        )
        await pilot.press("tab")
        await type_text(pilot, "checkout tried by hand")
        await pilot.press("enter")
        await until(pilot, lambda: conductor.state.closed)
        assert conductor.state.outcome == "unverified"
        assert "rolled back, not verified: checkout tried by hand" in render_markdown(
            conductor.recorder.events
        )


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [("", "“Verify system stability” skipped: curl 200 by hand"), ("rechecked", "rechecked")],
)
async def test_not_verified_offers_the_skip_reason_as_how_it_was_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str, recorded: str
) -> None:
    """The stability check was skipped with a reason (often how it was checked instead):
    the close offers it, selected, as the reason; Enter closes with it at once, and text
    typed on the choice replaces it (seen in tmux: the skip said 'verified by hand: curl
    200 on all three', the close asked the same question again, its field empty)."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        conductor = await close_with_the_check_skipped(pilot, "curl 200 by hand")
        detail = app.screen.query_one("#close-detail", Input)
        assert detail.value == "“Verify system stability” skipped: curl 200 by hand"
        await pilot.press(*typed, "enter")
        await until(pilot, lambda: conductor.state.closed)
        assert conductor.state.outcome == "unverified"
        assert f"rolled back, not verified: {recorded}" in render_markdown(
            conductor.recorder.events
        )


async def test_an_incident_closed_with_steps_left_says_how_it_ended_not_enter_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(app.prepared)
        app.conductor.close(Outcome.ABORTED, "bridge decided to stop")
        await app.push_screen("checklist")
        await pilot.pause(0.1)
        where = str(app.screen.query_one("#where-step").render())
        assert where.startswith(" ■ Closed: aborted: bridge decided to stop · ended")
        todo = str(app.screen.query_one("#where-todo").render())
        assert todo.startswith("The post-rollback form can still be amended (F5)")


def test_a_close_with_a_host_unknown_keeps_its_lock_until_it_is_verified(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """web-3's restart was sent with no outcome on record: the close keeps web's lock
    (only once confirmed: the console asks with a key of its own), this console's next
    incident there is refused saying why, and an undo after the close keeps it again."""
    engine, conductor = populated(demo_settings(), tmp_path / "incidents")
    with pytest.raises(UnsettledClose) as refused:
        conductor.close(Outcome.ABORTED, "wrong fleet", confirmed=False)
    assert str(refused.value) == (
        "outcome unknown on web-3: a change may still run there; the lock on web stays held"
    )
    assert not conductor.state.closed
    conductor.close(Outcome.ABORTED, "wrong fleet")
    kept, closed = conductor.recorder.events[-2:]
    assert (kept.kind, kept.data.systems, kept.data.hosts) == (Kind.LOCK_KEPT, ["web"], ["web-3"])
    assert kept.data.closed_as == "aborted: wrong fleet" and kept.data.reason is None
    assert closed.data.unknown == ["web-3"] and conductor.state.unknown_at_close == ["web-3"]
    assert engine.locks.holder("web") is not None
    with pytest.raises(
        LockRefused,
        match="this console kept it past that incident's end, a host's outcome being unknown",
    ) as held:
        engine.new_incident("Another try", systems=["web"])
    # Why, and how it goes, from the closed incident's journal (helper-94: a headless
    # refusal said only who held it); the command line's one line says it too.
    incident = conductor.state.incident_id
    assert held.value.closed.startswith(
        f"Incident {incident} was closed with the outcome unknown on web-3: a change may"
        " still run there. Check it first, as the verify by hand does: rollback-console verify"
    ), held.value.closed
    assert _reported(held.value) == EXIT_REFUSED
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("refused: system 'web' is locked") and line.endswith(
        "(once its console has quit)."
    ), line
    assert f"Incident {incident} was closed with the outcome unknown on web-3" in line, line
    document = " ".join(render_markdown(conductor.recorder.events).split())
    assert "| Outcome unknown at close | web-3 (locks kept: web) |" in document
    assert (
        "It was closed with the outcome unknown on web-3: a change may still have run there,"
        " so the lock on web was kept past the close" in document
    )
    # An undo after the close (`rollback-console undo`) claims the lock again: at its end
    # it is kept again while web-3 is still unknown (it was released).
    conductor.recorder.close()
    undo = engine.open_existing(conductor.recorder.path, ["web"])
    assert undo.let_go("the undo ended") == ["web"]
    assert engine.locks.holder("web") is not None
    kept, noted = undo.recorder.events[-2:]
    assert kept.kind == Kind.LOCK_KEPT and kept.data.hosts == ["web-3"]
    assert noted.data.text.startswith("the undo ended: outcome unknown on web-3 at the close")
    undo.recorder.close()


async def test_the_reason_asked_gives_an_example_of_its_own_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """helper-113 at 80x24: closing as aborted suggested "e.g. the error rate was a load
    test", a false alarm's reason (Not needed), not an abort's."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await _f7_on_the_checklist(pilot)
        shown = {}
        radios = app.screen.query_one("#close-outcome", RadioSet)
        for name in ("aborted", "not-needed"):
            next(b for b in radios.query(RadioButton) if b.name == name).value = True
            await until(pilot, lambda n=name: radios.pressed_button.name == n)
            await pilot.pause()
            shown[name] = app.screen.query_one("#close-detail", Input).placeholder
    assert "load test" in shown["not-needed"] and "load test" not in shown["aborted"], shown


async def _f7_on_the_checklist(pilot) -> None:
    """The populated incident attached, F7 on its checklist: the close dialog."""
    app = pilot.app
    app.attach(app.prepared)
    await app.push_screen("checklist")
    await pilot.press("f7")
    assert isinstance(app.screen, CloseDialog)


async def test_up_from_the_reason_goes_back_to_the_outcomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """helper-167 at 80x24: Space on "Not needed" moved the focus to its reason; ↑ then
    Space, as the hint says to choose, did nothing there but type a space, and Enter
    closed the incident as not needed, not aborted as meant. ↑ and ↓ in the field the
    choice opened go back to the outcomes, moving there."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        radios, detail = await _not_needed_chosen(pilot)
        await pilot.press("up", "space")
        await until(pilot, lambda: radios.pressed_button.name == "aborted")
        assert detail.value.strip() == detail.value  # no space typed into a reason
        await until(pilot, lambda: detail.has_focus)  # the abort asks its reason there
        await pilot.press("down", "down", "space")  # and on, typed ahead
        await until(pilot, lambda: radios.pressed_button.name == "handed-over")


async def test_keys_typed_ahead_of_up_in_the_reason_follow_it_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random keys at 80x24 (typed ahead, as tmux sends a string): ↑ in the reason, then
    Space and text already on their way to it, ended the console with 'RecursionError':
    the field gave them back to the choices, which handed them to the field, and so on."""
    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        radios, detail = await _not_needed_chosen(pilot)
        detail.value = ""
        for key, char in [("up", None), ("space", " "), ("x", "x"), ("y", "y")]:
            detail.post_message(events.Key(key, char))  # all queued before the first is read
        await until(pilot, lambda: detail.value == "xy")
        assert app.is_running and radios.pressed_button.name == "aborted"


async def _not_needed_chosen(pilot) -> tuple[RadioSet, Input]:
    """F7 on the checklist, ↓ to "Not needed", Space: its reason field has the focus."""
    await _f7_on_the_checklist(pilot)
    radios = pilot.app.screen.query_one("#close-outcome", RadioSet)
    names = [b.name for b in radios.query(RadioButton)]
    for _ in names:  # bounded by the outcomes
        if names[radios._selected or 0] == "not-needed":
            break
        await pilot.press("down")
    await pilot.press("space")
    detail = pilot.app.screen.query_one("#close-detail", Input)
    await until(pilot, lambda: detail.has_focus)
    return radios, detail
