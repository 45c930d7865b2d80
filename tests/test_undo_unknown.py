"""An undo cut off mid-command (its process killed) leaves its hosts unknown, as a step
does. Seen on a real sshd fleet at 80x24, the journal's disk filling mid-undo: once
resumed, u offered the undo again on every host, the unknown ones with the rest and not a
word about them; r said "restore.undo was an ad-hoc command: run it again by hand"; v said
"an ad-hoc command has no verify command". Now the undo is refused while its outcome is
unknown somewhere (here and headless), r retries it on those hosts alone after asking
whether the earlier one still runs, and v says an undo has no verify."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import OptionList
from textual.widgets._toast import Toast

from console.journal.export.document import build_document
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import HostStatus, fold
from console.ui.app import make_app
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import FLAG_PROCEDURE, Fleet, flag_incident, write_fleet
from tests.test_ui_support import START, _close_engines, build_engine, until  # noqa: F401

pytestmark = pytest.mark.sshd

HOLD = "sleep 37"  # a figure of its own: the test looks for this process on the host
STRATEGIES = {
    "strategies": [
        {
            "name": "switch",
            "kind": "custom",
            "commands": {
                "action": "echo off > state",
                "verify": "grep -qx off state",
                "undo": f"if test -f hold; then {HOLD}; fi; echo on > state",
            },
        }
    ]
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    return write_fleet(sshd_server, tmp_path, files, strategies=["switch"], probes=[])


def _undo_state(journal: Path):
    return fold(read_journal(journal).events).step("restore.undo").hosts


def _held(account: str) -> bool:
    found = subprocess.run(["pgrep", "-u", account, "-f", HOLD], capture_output=True, check=False)
    return found.returncode == 0


async def killed_mid_undo(fleet: Fleet, account: str) -> Path:
    """The restore done on both hosts, then `undo` killed (SIGKILL) while app-1's undo
    runs and app-2's has ended; once its host has stopped the command (the session
    lost), the journal, as the crash left it."""

    async def restore() -> Path:
        async with flag_incident(fleet, "switch") as conductor:
            assert await conductor.run_step("restore")
            conductor.let_go("restored")
            return conductor.recorder.path

    journal = await restore()
    (fleet.sandboxes["app-1"] / "hold").write_text("")
    argv = [sys.executable, "-m", "console", "undo", str(journal), "restore", "--yes"]
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    undo = subprocess.Popen(
        [*argv, "--config", str(fleet.config)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):  # 60 s at most
            runs = _undo_state(journal) if journal.exists() else {}
            app1, app2 = runs.get("app-1"), runs.get("app-2")
            if app1 and app2 and app2.status is HostStatus.SUCCEEDED and _held(account):
                break
            assert undo.poll() is None, "the undo ended before it could be killed"
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("the undo never reached app-1's hold")
    finally:
        undo.kill()
        undo.wait(timeout=30)
    for _ in range(300):  # the supervisor ends the hold once sshd closes its input
        if not _held(account):
            break
        await asyncio.sleep(0.1)
    (fleet.sandboxes["app-1"] / "hold").unlink()
    return journal


async def test_an_undo_left_unknown_is_refused_and_retried_only_there(
    fleet: Fleet, sshd_server
) -> None:
    journal = await killed_mid_undo(fleet, sshd_server.account.name)
    runs = _undo_state(journal)
    assert runs["app-1"].status is HostStatus.RUNNING  # as read back: unknown once resumed
    assert runs["app-2"].status is HostStatus.SUCCEEDED

    # The document says the undo's outcome, never the strategy's nor "failed", for them.
    summary = build_document(read_journal(journal).events).summary.paragraph
    assert "strategy ran on 2 hosts (1 undo unknown, 1 undone since)" in summary, summary
    assert "An undo was sent to 1 host (app-1) with no outcome on record" in summary
    assert "The rollback was undone since on 1 host (app-2)." in summary
    assert "failed" not in summary

    # Headless: refused before anything is claimed, recorded or sent.
    seen = len(read_journal(journal).events)
    again = fleet.cli("undo", str(journal), "restore", "--yes")
    assert again.returncode == 2, again.stderr
    assert "sent to app-1 with no outcome on record" in again.stderr
    assert "Traceback" not in again.stderr
    assert len(read_journal(journal).events) == seen

    settings = load_settings(fleet.config)
    engine = build_engine(settings, fleet.state / "incidents")
    app = make_app(
        settings,
        engine,
        FixedClock(START),
        resume=journal,
        sample_probes=False,
        check_reach=False,
    )
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: app.conductor is not None and app.screen.query("#steps"))
        conductor = app.conductor
        state = conductor.state
        # The checklist never reads the step plain done while its undo is unknown.
        steps = app.screen.query_one("#steps", OptionList)
        await until(pilot, lambda: "Restore" in str(steps.get_option("restore").prompt))
        assert "? undo      2. Restore" in str(steps.get_option("restore").prompt)
        app.screen.select_step("restore")
        await pilot.press("u")  # the undo again, everywhere: refused, saying why
        await until(pilot, lambda: any("app-1" in t for t in _toasts(app)))
        assert not isinstance(app.screen, RunConfirm)
        assert any("no outcome on record" in t for t in _toasts(app))

        await pilot.press("v")  # no verify to run: said as the undo's, not an ad-hoc's
        # V's answer, once its check has ended (the resume's own toast says "an undo has no
        # verify" too: r pressed on it alone came while V still ran, under load, and was
        # refused, "A step is running (restore.undo): wait for it").
        said = "not verified: an undo has no verify"
        await until(pilot, lambda: any(said in t for t in _toasts(app)) and not conductor.running)
        assert state.step("restore.undo").hosts["app-1"].status is HostStatus.UNKNOWN

        await pilot.press("f2")
        await pilot.press("r")  # the earlier undo no longer runs: retried on app-1 alone
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        title = " ".join(str(app.screen.query_one(".dialog-title").render()).split())
        assert title == "Retry “Undo: Restore” on 1 host(s): 1 unknown?"
        await pilot.press("y")
        undo = state.step("restore.undo").hosts
        await until(pilot, lambda: undo["app-1"].attempt == 2 and not conductor.running)
        assert undo["app-1"].status is HostStatus.SUCCEEDED
        assert state.unknown_hosts == []
        new = conductor.recorder.events[seen:]
        intents = [e for e in new if e.kind == Kind.COMMAND_INTENT]
        assert [(e.where.step, e.where.host, e.data.stage) for e in intents] == [
            ("restore.undo", "app-1", "undo")
        ]
    assert fleet.written("state") == {"app-1": "on\n", "app-2": "on\n"}
    await engine.close()


def _toasts(app) -> list[str]:
    return [" ".join(str(t.render()).split()) for t in app.screen.query(Toast)]
