"""Closing (F7) or aborting (a) an incident while a host's outcome is unknown: a change may
still run there, so its system's lock stays held past the close (`lock.kept`, with the
hosts and the outcome it closed as); the settled systems' locks are released. Enter does
not close then: it says what stays held, and F7 closes anyway. Another incident on the
kept system is refused; the verify by hand (`exec --take-over-lock`) takes the lock over
once the console has quit and lets go of it. The document names the hosts unknown at the
close. On a real OpenSSH sshd: `run` leaves app-2 unknown (its verify finds the change
still under way), then the console resumes it (tmux at 80x24, or Pilot)."""

from __future__ import annotations

import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import RadioSet, Static

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import IncidentClosed, LockKept, LockReleased
from console.model.state import fold
from console.ui.app import make_app
from console.ui.screens.close import CloseDialog
from console.ui.widgets.mode_banner import ModeBanner
from tests.cli_fleet import Fleet
from tests.test_cli_run_sshd import _still_under_way_fleet, verified_as_changed
from tests.test_lost_mid_change import _drop, _sessions_of, release_fleet
from tests.test_remote_lifetime import _wait_for
from tests.test_terminal_closed import events_of
from tests.test_ui_support import close_anyway, until
from tests.test_ui_terminal import Tmux

pytestmark = pytest.mark.sshd


def two_systems(sshd_server, tmp_path: Path, undo: str = "") -> tuple[Fleet, Path]:
    """app-1 in `cart`, app-2 in `app`; `run` on both leaves app-2 unknown (its verify
    exits 75, the change still under way) and the incident open, exit 4. Its journal.
    `undo`: the strategy's undo command."""
    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    if undo:
        strategies = fleet.config / "strategies.toml"
        data = tomllib.loads(strategies.read_text())
        data["strategies"][0]["commands"]["undo"] = undo
        strategies.write_text(tomli_w.dumps(data))
    inventory = fleet.config / "inventory.toml"
    data = tomllib.loads(inventory.read_text())
    [system] = data["systems"]
    cart = {**system, "name": "cart", "hosts": [h for h in system["hosts"] if h["name"] == "app-1"]}
    system["hosts"] = [h for h in system["hosts"] if h["name"] == "app-2"]
    data["systems"].append(cart)
    inventory.write_text(tomli_w.dumps(data))
    result = run_on(fleet, "app,cart", fleet.state / "incident")
    assert result.returncode == 4, result.stdout + result.stderr
    return fleet, fleet.state / "incident" / "journal.jsonl"


def run_on(fleet: Fleet, systems: str, journal: Path):
    return fleet.cli(
        "run", "--systems", systems, "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--journal", str(journal), "--yes",
    )  # fmt: skip


def closed_keeping_app(journal: Path, written: int, outcome: str) -> None:
    """The close's record: app's lock kept for app-2, cart's released, the close naming
    app-2 unknown."""
    events = read_journal(journal).events[written:]
    kinds = [e.kind for e in events]
    assert Kind.INCIDENT_CLOSED in kinds, kinds
    kept = [e.payload(LockKept) for e in events if e.kind == Kind.LOCK_KEPT]
    assert [(k.systems, k.hosts) for k in kept] == [(["app"], ["app-2"])], kept
    assert kept[0].closed_as and kept[0].closed_as.startswith(outcome), kept
    released = [e.payload(LockReleased).systems for e in events if e.kind == Kind.LOCK_RELEASED]
    assert released == [["cart"]], released  # only the settled system
    closed = events[kinds.index(Kind.INCIDENT_CLOSED)].payload(IncidentClosed)
    assert closed.outcome == outcome and closed.unknown == ["app-2"], closed


@pytest.mark.tmux
def test_f7_with_a_host_unknown_keeps_its_lock_until_the_verify_by_hand(
    sshd_server, tmp_path: Path
) -> None:
    fleet, journal = two_systems(sshd_server, tmp_path)
    written = len(read_journal(journal).events)
    locks = fleet.state / "locks"
    tmux = Tmux(tmp_path)
    try:
        console = f"{sys.executable} -m console resume {journal} --config {fleet.config}"
        tmux.start(f"{console}; echo EXITED $?; sleep 60")
        tmux.wait_for("Outcome unknown on app-2", tries=300)  # a loaded machine
        tmux.keys("F7")
        # the dialog's outcomes: "Close incident" is the footer's F7 too, there already
        screen = tmux.wait_for("Rolled back and verified", tries=300)
        said = " ".join(" ".join(screen.split("│")).split())  # as wrapped at 80 columns
        assert "Outcome unknown on app-2: a change may still run there" in said, screen
        assert "the lock on app stays held" in said and "--take-over-lock REASON" in said, screen
        incident = read_journal(journal).events[0].data.incident_id  # its verify by hand:
        assert f"rollback-console verify {incident} --take-over-lock REASON." in said, screen
        # Partially rolled back, as the record suggests; no host typed as not rolled back:
        # app-2 is neither (helper-94: it was offered, and recorded, as not rolled back).
        assert "from the record:" in said and "app-2 " not in said.split("from the record:")[1]
        tmux.keys("Enter")
        screen = tmux.wait_for("closes anyway", tries=300)
        assert "Not closed" in screen, screen
        assert not [e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_CLOSED]
        assert (locks / "app.lock").exists() and (locks / "cart.lock").exists()
        tmux.keys("F7")
        tmux.wait_for("Closed: partially rolled back", tries=300)
        # its toast, over the banner for 30 s: read, put away (drawn a frame after the
        # banner at times, on a loaded machine: the click then found no toast to click)
        tmux.wait_for("Incident closed", tries=300)
        tmux.click("Incident closed")
        # The banner names the verify by hand, whole at 80 columns, on two lines as a
        # shell continues one (it said 'VERIFY': the step's verify, for the user to find).
        incident = read_journal(journal).events[0].data.incident_id
        screen = tmux.wait_for(
            f"rollback-console verify {incident}", tries=300, gone="Incident closed"
        )
        lines = [line.rstrip() for line in screen.splitlines()]
        # Run once this console has quit: it holds the lock till then (it read "verify by
        # hand: ...", which was refused while this console ran: below).
        at = next(i for i, line in enumerate(lines) if "once this console has quit:" in line)
        assert lines[at].endswith(
            f"once this console has quit: rollback-console verify {incident} \\"
        ), screen
        assert lines[at + 1].endswith("--take-over-lock REASON \\"), screen
        # (this test's configuration may be longer than the line: it goes on at the next
        # line's start after a backslash, as the shell joins it, never cut)
        assert lines[at + 2].startswith("   --config "), screen
        joined = "".join(line.removesuffix("\\") for line in lines[at + 2 : at + 4])
        assert str(fleet.config) in joined, screen
        assert all(len(line) <= 80 for line in lines), screen
        closed_keeping_app(journal, written, "partial")
        closed = [e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_CLOSED]
        label = closed[0].payload(IncidentClosed).label
        assert label == "partially rolled back; outcome unknown: app-2", label
        assert (locks / "app.lock").exists() and not (locks / "cart.lock").exists()

        # The console still runs: another incident on app is refused, even with a reason.
        other = run_on(fleet, "app", fleet.state / "second")
        assert other.returncode == 3, other.stdout + other.stderr
        assert "system 'app' is locked" in other.stderr, other.stderr
        taken = fleet.cli(
            "exec", "--systems", "app", "--take-over-lock", "verify by hand", "true"
        )  # fmt: skip
        assert taken.returncode == 3, taken.stdout + taken.stderr

        tmux.keys("C-q")
        screen = tmux.wait_for("EXITED 0", tries=300)
        line = "".join(screen.splitlines())  # as the terminal wrapped it, at 80 columns
        assert "the lock on app stays held" in line, screen
        by_hand = f"rollback-console verify {incident} --take-over-lock REASON --config"
        assert f"({by_hand} {fleet.config})" in line, screen
    finally:
        tmux.kill()

    # Cart was released: a rollback there goes on.
    cart = run_on(fleet, "cart", fleet.state / "cart")
    assert cart.returncode == 0, cart.stdout + cart.stderr
    # The console has quit: app's lock is stale, taken over only with a reason.
    refused = run_on(fleet, "app", fleet.state / "third")
    assert refused.returncode == 3 and "--take-over-lock REASON" in refused.stderr, refused.stderr
    # The verify by hand, as the banner and the document say: it takes the lock over, and
    # lets go of it once app-2 has answered.
    # Its verify edited since the incident opened: said, and what is shown is sent.
    (fleet.sandboxes["app-2"] / "slow").unlink()
    strategies = fleet.config / "strategies.toml"
    strategies.write_text(strategies.read_text().replace("grep -q 2.4.0", "grep -qF 2.4.0"))
    verify = fleet.cli("verify", incident, "--take-over-lock", "verify by hand after the close")
    verified_as_changed(verify)
    assert not (locks / "app.lock").exists()

    # The document names app-2 unknown at the close, and the lock kept.
    document = fleet.cli("export", str(journal), "--format", "markdown")
    assert document.returncode == 0, document.stderr
    assert "| Outcome unknown at close | app-2 (locks kept: app) |" in document.stdout
    text = " ".join(document.stdout.split())
    assert "It was closed with the outcome unknown on app-2" in text, document.stdout


async def test_a_aborts_in_the_close_dialog_with_a_host_unknown(
    sshd_server, tmp_path: Path
) -> None:
    """`a` with nothing running aborts the incident: with app-2 unknown it opens the close
    dialog, "aborted" chosen, which says what stays held and asks for F7."""
    fleet, journal = two_systems(sshd_server, tmp_path)
    written = len(read_journal(journal).events)
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.conductor is not None)
            await pilot.press("f3")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            radios = app.screen.query_one("#close-outcome", RadioSet)
            assert radios.pressed_button.name == "aborted"
            said = str(app.screen.query_one(".dialog-text", Static).render())
            assert "the lock on app stays held" in " ".join(said.split()), said
            await until(pilot, lambda: app.screen.focused is not None)
            await pilot.press("tab")
            await close_anyway(pilot, "wrong fleet")
            assert app.conductor.state.outcome_label == "aborted: wrong fleet"
            closed_keeping_app(journal, written, "aborted")
            # The console lives on: another incident on app is refused.
            other = run_on(fleet, "app", fleet.state / "second")
            assert other.returncode == 3, other.stdout + other.stderr
            assert "system 'app' is locked" in other.stderr, other.stderr
    finally:
        if app.conductor is not None:
            app.conductor.recorder.close()
        await engine.close()


def test_an_undo_while_a_host_is_unknown_keeps_its_lock(sshd_server, tmp_path: Path) -> None:
    """`undo` in the incident `run` left open (app-2 unknown), on app-1 only: at its end
    the open incident's locks are kept for app-2, as its quit keeps them (its shutdown
    released them before its let_go could keep them)."""
    fleet, journal = two_systems(sshd_server, tmp_path, undo="echo 2.4.1 > release")
    written = len(read_journal(journal).events)
    undo = fleet.cli("undo", str(journal), "restore", "--hosts", "app-1", "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    events = read_journal(journal).events[written:]
    kept = [e.payload(LockKept) for e in events if e.kind == Kind.LOCK_KEPT]
    assert [(k.systems, k.hosts) for k in kept] == [(["app", "cart"], ["app-2"])], kept
    assert not [e for e in events if e.kind == Kind.LOCK_RELEASED]
    assert (fleet.state / "locks" / "app.lock").exists()


def test_run_interrupted_with_a_host_unknown_closes_aborted_keeping_its_lock(
    sshd_server, tmp_path: Path
) -> None:
    """`run` interrupted (SIGINT) after app-2's connection was lost mid-action: it closes as
    aborted (a person stopped it), app's lock kept for app-2, and its last lines say so."""
    lost_fleet = release_fleet(sshd_server, tmp_path)
    journal = lost_fleet.state / "incident"
    process = lost_fleet.started(
        "run", "--systems", "app", "--strategy", "release", "--trigger", "user-impact",
        "--reason", "1.11.0 breaks checkout", "--yes", "--journal", str(journal),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "app-2      sending action" in line:
                break

        def action_of(host: str, kind: str) -> list:  # whole lines: one may be half written
            return [
                e
                for e in events_of(journal / "journal.jsonl")
                if e["kind"] == kind and e["where"].get("host") == host
                if e["data"].get("stage") == "action"
            ]

        _wait_for(lambda: bool(action_of("app-2", Kind.COMMAND_INTENT)), "app-2's intent")
        [intent] = action_of("app-2", Kind.COMMAND_INTENT)
        # Written before it is sent: wait for its process there before cutting its session.
        tagged = ["pgrep", "-f", f"rollback-attempt={intent['data']['token']}"]
        _wait_for(lambda: subprocess.run(tagged, capture_output=True).returncode == 0, "it")
        _drop(_sessions_of(intent["data"]["token"], sshd_server.server.process.pid))
        _wait_for(lambda: bool(action_of("app-2", Kind.COMMAND_RESULT)), "app-2's result")
        process.send_signal(signal.SIGINT)  # app-1's restart still waits for `go`
        out, _ = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == 1, out
    events = read_journal(journal).events
    assert not [e for e in events if e.kind == Kind.LOCK_RELEASED], out
    kept = [e.payload(LockKept) for e in events if e.kind == Kind.LOCK_KEPT]
    assert [(k.systems, k.hosts) for k in kept] == [(["app"], ["app-2"])], kept
    state = fold(events)
    assert state.outcome == "aborted" and state.unknown_at_close == ["app-2"], out
    assert (lost_fleet.state / "locks" / "app.lock").exists()
    *_, held, last = out.splitlines()
    assert held.startswith("outcome unknown on app-2 at the close"), out
    assert "the lock on app stays held" in held and "--take-over-lock REASON" in held, out
    assert "ABORTED: " in last, out
    # Journalled with --journal, not under the journal root: another incident's refusal
    # finds why the lock is held through the lock file, which names the journal.
    refused = lost_fleet.cli("exec", "--systems", "app", "true")
    assert refused.returncode == 3, refused.stdout + refused.stderr
    said = f"Incident {state.incident_id} was closed with the outcome unknown on app-2"
    assert said in refused.stderr, refused.stderr


async def test_the_banner_grows_to_the_verify_by_hand_when_closed_on_the_execution_screen(
    sshd_server, tmp_path: Path
) -> None:
    """Closed from F3 with app-2 unknown, the banner's text becomes three lines (the verify
    by hand on two): the banner is laid out again, not left at the two lines it had while
    the incident was open (at 80x24 the command was cut after `--take-over-lock REASON \\`:
    its systems, hosts and VERIFY gone; now the `verify ID` on two lines)."""
    fleet, journal = two_systems(sshd_server, tmp_path)
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.conductor is not None)
            await pilot.press("f3")
            banner = app.screen.query_one(ModeBanner)
            await until(pilot, lambda: banner.display and banner.size.height == 2)
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, CloseDialog))
            await until(pilot, lambda: app.screen.focused is not None)
            await pilot.press("tab")
            await close_anyway(pilot, "wrong fleet")
            await until(pilot, lambda: "--take-over-lock" in str(banner.render()))
            await until(pilot, lambda: banner.size.height == 3, timeout=5)
    finally:
        if app.conductor is not None:
            app.conductor.recorder.close()
        await engine.close()
