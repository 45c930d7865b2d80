"""A drill cut short: its console killed after the fault went in, before its undo (real
sshd). Walked on a README fleet of 4 web hosts (helper-127): the storefront process
killed on web-3 by a scenario with a 6 s target, the console killed mid-restore, then
resumed and carried to its close. Nothing said the fault was still in place; the recovery
was measured against the system's RTO, not the scenario's target ('1 min 45 s, within
RTO' for a 6 s target); and the document read 'Drill verdict: passed (web: within RTO)'
of a drill never judged. Now the resume says it loudly, the recovery is measured against
the target the drill recorded at its start, and the document says it was not judged,
naming the fault left in place."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import pytest
from textual.widgets import Static

from console.engine.session import Engine
from console.journal.export.markdown import render_markdown
from console.journal.store import read_journal
from console.model import invocation
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.app import make_app
from console.ui.parting_line import parting_line
from console.ui.screens.close import CloseDialog
from console.ui.screens.trigger import TriggerScreen
from tests.cli_fleet import Fleet
from tests.test_drills_sshd import DRILLS, staging_fleet
from tests.test_terminal_closed import _let_go, resumed_notice
from tests.test_ui_support import type_text, until

pytestmark = pytest.mark.sshd

LEFT = (
    "This drill was cut short before its verdict: it is not judged; its fault deploy the bad"
    " release 1.1 on app-1, app-2 was NEVER UNDONE: undo it by hand"
)


async def _resumed(config: Path, journal: Path) -> list[str]:
    """The console's notices as it resumes the drill at 80x24; then its verify step run
    (the soak passes: 1.0 is back by hand) and the incident closed, as a commander may."""
    engine = Engine.build(load_settings(config))
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: any(n.title == "Drill" for n in app._notifications))
            said = [n.message for n in app._notifications if n.title == "Drill"]
            conductor = app.conductor
            assert conductor is not None
            await conductor.run_step("verify")
            await pilot.press("f7")  # the close says it before the commander chooses
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            asked = str(app.screen.query_one(".dialog-text", Static).render())
            said.append(" ".join(asked.split()))
            await pilot.press("down", "down", "down", "space")  # aborted, with a reason
            await type_text(pilot, "the release put back by hand")
            await pilot.press("enter")
            if isinstance(app.screen, CloseDialog):  # Enter, then F7 (a host unknown)
                await pilot.press("f7")
            await until(pilot, lambda: conductor.state.closed)
            # nothing to declare once closed: off the declaration it opened on
            await until(pilot, lambda: not isinstance(app.screen, (CloseDialog, TriggerScreen)))
            said.append(app.quitting.question() or "")
            return said
    finally:
        await _let_go(app, engine)


def killed_after_its_fault(fleet: Fleet) -> None:
    """The default scenario's drill killed as its fault went in (as kill -9: before the
    rollback and the undo)."""
    drill = fleet.started("drill", "--scenario", "bad-release")
    assert drill.stdout is not None
    for line in drill.stdout:  # ends with the process at the latest
        if "injected fault deploy the bad release 1.1" in line:
            drill.kill()
            break
    drill.wait(timeout=60)


def test_a_drill_cut_short_says_its_fault_is_still_in_place(sshd_server, tmp_path, monkeypatch):
    drills = copy.deepcopy(DRILLS)
    drills["scenarios"][0]["rto_minutes"] = 0.001  # 0.06 s: missed by any real recovery
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    killed_after_its_fault(fleet)
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    kinds = [e.kind for e in read_journal(journal).events]
    assert Kind.DRILL_FAULT in kinds and Kind.DRILL_FAULT_UNDONE not in kinds
    # `list` says it (walked: 'open' and 'Left open: ... killed, or crashed', alone)
    assert (
        "\n  fault NOT undone: deploy the bad release 1.1 on app-1, app-2: the drill was cut"
        " short before its verdict; undo it by hand there\n" in fleet.cli("list").stdout
    )
    # its document, the drill open, says so too (it read 'not judged yet: the drill is open')
    draft = render_markdown(read_journal(journal).events)
    in_place = "its fault deploy the bad release 1.1 on app-1, app-2 is in place, NOT UNDONE"
    assert f"| drill: not judged yet: the drill is open; {in_place} |" in draft, draft
    for sandbox in fleet.sandboxes.values():  # the fault is still there; put back by hand
        assert (sandbox / "current").readlink() == Path("releases/1.1")
        (sandbox / "current").unlink()
        (sandbox / "current").symlink_to("releases/1.0")

    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))
    notice, close, asked = asyncio.run(_resumed(fleet.config, journal))
    assert "not declared yet" not in asked, asked
    assert notice == LEFT + "."
    assert (
        "NOT UNDONE: the drill's fault deploy the bad release 1.1 on app-1, app-2. Closed, the"
        " lock on app stays held." in close
    ), close

    measured = [e for e in read_journal(journal).events if e.kind == Kind.RECOVERY_MEASURED]
    assert [(e.data.rto_minutes, e.data.verdict) for e in measured] == [
        (0.001, "target exceeded")  # the scenario's target, as the drill recorded it
    ]
    # its clock started in the killed process: timed on the wall clock, and said so
    assert [e.data.clock for e in measured] == ["wall"]
    document = fleet.cli("export", str(journal))
    assert document.returncode == 0, document.stderr
    assert f"Drill verdict: {LEFT[0].lower()}{LEFT[1:]} (app: target exceeded;" in document.stdout
    assert "Drill verdict: passed" not in document.stdout
    # its baseline only: nothing was compared after (it read '2 record(s), 0 mismatch(es)')
    compared = "integrity: 2 record(s) before the change, nothing compared after (app-1, app-2))"
    assert compared in document.stdout, document.stdout
    listing = fleet.cli("list")
    assert "DRILL FAILED; aborted" in listing.stdout, listing.stdout


def killed_mid_fault(sshd_server, tmp_path: Path) -> tuple[Fleet, Path]:
    """A drill whose console was killed while its fault's command ran (as kill -9): the
    fault step's hosts unknown, the fault in place. Its fleet and journal."""
    drills = copy.deepcopy(DRILLS)
    drills["scenarios"][0]["faults"][0]["command"] = "sleep 30"
    fleet = staging_fleet(sshd_server, tmp_path, drills)
    drill = fleet.started("drill", "--scenario", "bad-release")
    assert drill.stdout is not None
    for line in drill.stdout:  # ends with the process at the latest
        if "sending fault (attempt 1)" in line:
            drill.kill()  # as kill -9, mid-command
            break
    drill.wait(timeout=60)
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    return fleet, journal


def test_a_drill_cut_short_mid_fault_names_its_own_step_on_resume(
    sshd_server, tmp_path, monkeypatch
):
    """Its console killed while a fault's command ran: the fault step's hosts are unknown,
    and the resume (and `verify`, once closed) called that step 'an ad-hoc command'
    (walked: 'an ad-hoc command has no verify command (step 'drill-undo-1' on web-1)')."""
    fleet, journal = killed_mid_fault(sshd_server, tmp_path)
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))
    [notice] = asyncio.run(resumed_notice(fleet.config, journal))
    assert "a drill's own command has no verify command: check it by hand" in notice, notice


async def _close_refusals(config: Path, journal: Path) -> list[str]:
    """The close dialog's refusals of the drill resumed with no step run: rolled back and
    verified, then partially rolled back with the hosts it fills in; then aborted."""
    engine = Engine.build(load_settings(config))
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    said = []
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: any(n.title == "Drill" for n in app._notifications))
            conductor = app.conductor
            assert conductor is not None
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            text = app.screen.query_one("#close-dialog .dialog-text", Static)
            said.append(" ".join(str(text.render()).split()))
            error = app.screen.query_one("#close-error", Static)

            def refusal() -> str:
                return " ".join(str(error.render()).split())

            for keys in [("space",), ("down", "down", "space")]:
                await pilot.press(*keys)
                await pilot.press("enter")
                # a refusal of its own, not the one before still shown (it was recorded twice
                # where the choice's change had not cleared it yet as the wait began)
                await until(pilot, lambda: refusal() not in said and refusal().startswith("✘"))
                said.append(refusal())
                await pilot.press("shift+tab")  # from the hosts' field back to the choice
            await pilot.press("down", "space")  # aborted, with a reason
            await type_text(pilot, "the drill was killed; its fault undone by hand")
            # The reason typed and the keys in sight, the field above them: the text above
            # runs the dialog past 24 rows (--config LONG in its command), and the hint went
            # off the screen, then the field under the foot that keeps it.
            dialog = app.screen.query_one("#close-dialog")
            field, hint = dialog.query_one("#close-detail"), dialog.query_one(".dialog-hint")
            for part in (field, hint):
                assert dialog.content_region.contains_region(part.region), part
            assert field.region.bottom <= hint.region.y
            await pilot.press("enter")
            await until(pilot, lambda: conductor.state.closed)
            said.append(conductor.state.outcome_label or "")
            await until(
                pilot, lambda: any(n.title == "Incident closed" for n in app._notifications)
            )
            said += [n.message for n in app._notifications if n.title == "Incident closed"]
            return [*said, parting_line(app.quitting)]
    finally:
        await _let_go(app, engine)


# A configuration directory a jump host may well have: the commands said carry it whole.
CONFIG = "/srv/rollback/configurations/production-eu-west-1/storefront-and-checkout"


def test_a_drill_cut_short_before_its_rollback_is_not_offered_as_partially_rolled_back(
    sshd_server, tmp_path, monkeypatch
):
    """Walked (helper-171): a drill killed as its fault went in, resumed and closed at 80x24.
    'Rolled back and verified' was refused with '... close as partially rolled back, or
    finish the steps first', and 'Partially rolled back' closed it, its hosts left being
    every host: no host was rolled back, nothing ran but the fault. Started with a long
    --config, the dialog's keys went off the screen once the reason field showed."""
    fleet = staging_fleet(sshd_server, tmp_path)
    killed_after_its_fault(fleet)
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(fleet.state))
    invocation.repeat_config(CONFIG)  # started with --config CONFIG, as walked
    dialog, verified, partial, closed, toast, parting = asyncio.run(
        _close_refusals(fleet.config, journal)
    )
    advice = "no host is rolled back: close as aborted (saying why), or finish the steps first"
    assert verified.endswith(f"): {advice}"), verified
    assert "partially" not in verified
    assert partial == f"✘ closing as “partially rolled back”: {advice}", partial
    assert closed == "aborted: the drill was killed; its fault undone by hand"
    # Its fault is still on app-1, app-2 (seen: the close released app's lock, the dialog
    # said it would, the toast said nothing, `list` read no fault, and the next drill ran
    # there unwarned). The close keeps the lock, and each place says what releases it, and
    # when: the console holds it until it quits.
    release = "rollback-console exec --take-over-lock REASON --systems app --hosts app-1,app-2"
    release += f" --config {CONFIG} 'COMMAND'"  # the console's own --config
    assert dialog == (
        "Not done: steps 1–5 pending. NOT UNDONE: the drill's fault deploy the bad release"
        " 1.1 on app-1, app-2. Closed, the lock on app stays held. Undo it there; once this"
        f" console has quit, a command that shows it undone releases the lock: {release}."
    ), dialog
    assert toast.endswith(
        "The lock on app is kept: a drill's fault is NOT undone on app-1, app-2. Undo it there;"
        f" once this console has quit, a command that shows it undone releases the lock: {release}."
    ), toast
    # and the line printed as it quits, when that command can run (it said nothing of it)
    assert (
        "; a fault is NOT undone on app-1, app-2: the lock on app stays held. Undo it there"
        f" first, then release the lock with a command that shows it undone: {release};" in parting
    ), parting
    kept = [e.data for e in read_journal(journal).events if e.kind == Kind.LOCK_KEPT]
    assert kept[-1].systems == ["app"], kept
    listed = fleet.cli("list").stdout
    assert "  fault NOT undone: deploy the bad release 1.1 on app-1, app-2: the drill" in listed
    refused = fleet.cli("drill")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    assert "was closed with a fault NOT undone on app-1, app-2: deploy the bad release 1.1 on" in (
        refused.stderr
    )
