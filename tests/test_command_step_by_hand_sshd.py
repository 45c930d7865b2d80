"""A command step left unknown, then closed (its lock kept): every layer named `verify ID`
for it (the closed console's banner and notice, the close, the document, another
incident's refusal), and `verify` refuses a command step ("has no verify command"): a dead
end (helper-122, a README fleet at 80x24). They name the check by hand `verify` itself
gives: an `exec --take-over-lock` of a command that tells whether the change was made.
Real OpenSSH sshd: app-2's connection drops while the command step runs there."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.state import fold
from console.ui.screens.close import CloseDialog
from console.ui.screens.execution import ExecutionScreen
from console.ui.widgets.host_grid import HostGrid
from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES
from tests.test_lost_mid_change import _drop, _sessions_of
from tests.test_resume_closed_unknown import resumed
from tests.test_terminal_closed import events_of
from tests.test_ui_resume import banner_text
from tests.test_ui_support import until
from tests.test_verify_closed import close_and_quit

pytestmark = pytest.mark.sshd

DRAINING = {"system": "app", "host": "app-2", "step": "drain"}
# Waits (bounded) for a `go` file: the step runs until the test lets it end.
DRAIN = "for i in $(seq 600); do [ -f go ] && break; sleep 0.1; done; echo drained"


def _procedure() -> dict:
    procedure = json.loads(json.dumps(PROCEDURE))
    [execution] = [p for p in procedure["phases"] if p["phase"] == "execution"]
    drain = {"id": "drain", "title": "Drain the queue", "kind": "command", "command": DRAIN}
    execution["steps"].insert(0, {**drain, "confirm": True})
    return procedure


def _left_unknown_in_the_command_step(sshd_server, tmp_path: Path):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": _procedure()}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    journal = fleet.state / "incident"
    process = fleet.started(
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(journal),
    )  # fmt: skip
    try:
        intents: list[dict] = []
        for _ in range(600):  # the drain step's intent on app-2
            time.sleep(0.05)
            written = journal / "journal.jsonl"
            intents = [
                e for e in (events_of(written) if written.exists() else [])
                if e["kind"] == "command.intent" and e["where"] == DRAINING
            ]  # fmt: skip
            if intents:
                break
        token = intents[-1]["data"]["token"]
        for _ in range(300):  # its process there, before its session is cut
            tagged = ["pgrep", "-f", f"rollback-attempt={token}"]
            if subprocess.run(tagged, capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        _drop(_sessions_of(token, sshd_server.server.process.pid))
        (fleet.sandboxes["app-1"] / "go").write_text("")
        out, _ = process.communicate(timeout=120)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == 4, out  # app-2 unknown: left open
    return fleet, journal / "journal.jsonl"


async def test_a_command_step_left_unknown_is_checked_with_exec_everywhere(
    sshd_server, tmp_path: Path
) -> None:
    fleet, journal = _left_unknown_in_the_command_step(sshd_server, tmp_path)
    # The close (F7) in the console, before it closes: what stays held, and how it goes.
    async with resumed(fleet.config, journal) as (app, pilot, _said):
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, CloseDialog))
        await pilot.pause(0.2)
        text = " ".join(str(app.screen.query_one(".dialog-text").render()).split())
        await pilot.press("escape")
    assert (
        "takes it over: a check by hand, rollback-console exec --take-over-lock REASON ..."
        " 'COMMAND'."
    ) in text, text
    close_and_quit(fleet, journal)
    state = fold(read_journal(journal).events)
    assert state.unknown_at_close == ["app-2"] and state.left_by_commands(["app-2"])
    incident = state.incident_id
    check = (
        f"rollback-console exec --take-over-lock REASON --systems app --hosts app-2 --config"
        f" {fleet.config} 'COMMAND'"
    )
    # `verify` refuses it, naming that check (as before).
    refused = fleet.cli("verify", str(journal.parent), "--take-over-lock", "x")
    assert refused.returncode == 2 and "has no verify command" in refused.stderr, refused.stderr
    # Another incident there is refused, naming it (it named `verify ID`).
    other = fleet.cli("exec", "--systems", "app", "true")
    assert other.returncode == 3, other.stdout + other.stderr
    assert f"as a check by hand does: {check}" in other.stderr, other.stderr
    assert "rollback-console verify" not in other.stderr, other.stderr
    # The document's summary.
    document = fleet.cli("export", str(journal.parent), "--format", "markdown", "-o", "-").stdout
    summary = document.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "as a check by hand does (rollback-console exec --take-over-lock REASON" in summary
    assert "rollback-console verify" not in summary, summary
    # The closed console: its notice and its banner.
    async with resumed(fleet.config, journal) as (app, _pilot, said):
        assert "Check by hand: rollback-console exec --take-over-lock REASON" in said, said
        assert "Verify by hand" not in said, said
        banner = str(app.screen.query_one("ModeBanner").render())
    assert " check by hand: rollback-console exec \\" in banner, banner
    assert "(a command that tells whether the change was made)" in banner, banner
    assert incident and "verify by hand" not in banner, banner


async def test_an_open_command_step_left_unknown_says_check_by_hand_before_retrying(
    sshd_server, tmp_path: Path
) -> None:
    """Open, resumed: the banner, the step's detail, the host's row, the document's failure
    and its wave line said "verify before retrying" of a step with no verify to run (V only
    says whether it still runs there), walked at 80x24 with a host's sshd stopped mid-step."""
    fleet, journal = _left_unknown_in_the_command_step(sshd_server, tmp_path)
    async with resumed(fleet.config, journal) as (app, pilot, _said):
        banner = banner_text(app)
        detail = " ".join(str(app.screen.query_one("#step-detail").render()).split())
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await until(pilot, lambda: app.screen.query_one(HostGrid).rows.get("app-2") is not None)
        last = str(app.screen.query_one(HostGrid).get_cell("app-2", "Last line"))
    assert banner.startswith(" ? UNKNOWN  app-2 · check by hand before retrying · stopped in"), (
        banner
    )
    assert "? unknown: check by hand before retrying: app-2 (v says if it still runs" in detail
    assert last == "unknown: check by hand before retrying", last
    document = fleet.cli("export", str(journal.parent), "--format", "markdown", "-o", "-").stdout
    assert "- **What was done:** nothing yet: check the host by hand before any retry" in document
    assert "1 unknown (app-2: sent, its outcome never seen: the connection dropped" in document
    assert "verify before retrying" not in document and "verify the host" not in document
