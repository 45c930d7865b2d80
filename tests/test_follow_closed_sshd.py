"""A follower of a closed incident reads that it is closed, by whom and when, where its
banner says who drives it. Walked at 80x24: `rollback-console follow` of an incident a
headless run had closed read 'driving: root · holds no lock (not executing)', as if root
still drove it. Here a headless `run` on a real sshd closes its incident (rolled back and
verified), and a follower opens it at 80x24; one an `exec` closed opens on its command."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.ui.follow import make_follow_app
from console.ui.screens.execution import ExecutionScreen
from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES, run
from tests.test_terminal_escapes import screen_text
from tests.test_ui_follow import banner
from tests.test_ui_support import START, _close_engines, until  # noqa: F401

pytestmark = pytest.mark.sshd


async def test_the_banner_says_who_closed_the_incident_and_when(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    result = run(fleet, "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    journal = fleet.state / "incident"
    events = read_journal(journal / "journal.jsonl").events
    [close] = [e for e in events if e.kind == Kind.INCIDENT_CLOSED]
    at = f"{close.ts.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
    app = make_follow_app(journal, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "driving:" in banner(app))
        shown = " ".join(banner(app).split())
    assert f"driving: nobody, closed by {close.who.user} at {at}" in shown, shown
    assert "holds no lock" not in shown, shown


async def test_an_exec_incident_is_followed_as_its_command_and_hosts(
    sshd_server, tmp_path: Path
) -> None:
    """Walked: `follow` of an incident opened by `exec` showed the procedure's checklist,
    every step pending under `Closed: completed: ad-hoc command…`; it opens on the
    command as typed and each host's result."""
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    result = fleet.cli("exec", "--systems", "app", "echo checked-$((6*7))")
    assert result.returncode == 0, result.stdout + result.stderr
    [journal] = (fleet.state / "incidents").glob("*/journal.jsonl")
    app = make_follow_app(journal.parent, FixedClock(START))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: "driving:" in banner(app))
        await until(pilot, lambda: "checked-42" in screen_text(app))
        shown = screen_text(app)
        assert isinstance(app.screen, ExecutionScreen), app.screen
    assert "Ad-hoc 1: echo checked-$((6*7))" in shown, shown
    assert shown.count("✔ succeeded") == len(fleet.sandboxes), shown
    assert "pending" not in shown, shown
