"""A command said in one line names the command, not the `cd` before it: on a host with a
workdir, every command is sent after `cd -- DIR || exit 97`, and the headless run's
`sending run (attempt 1): ...` lines and the execution screen's `$ [run · try 1] ...` read
that `cd` for every step (walked on a fleet whose hosts each have a workdir)."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.payloads import CommandIntent
from console.ui.screens.execution_rows import output_lines
from tests.cli_fleet import FLIP, Fleet, checklist, write_fleet

pytestmark = pytest.mark.sshd

HALT = {
    "id": "halt",
    "title": "Halt current delivery process",
    "kind": "command",
    "command": "touch deploy.lock",
}
PROCEDURE = checklist(HALT, {"id": "restore", "title": "Restore", "kind": "strategy"})
FLIP_SAYING = {
    **FLIP,
    "commands": {**FLIP["commands"], "action": "echo 2.4.0 > release\necho flipped"},
}
STRATEGIES = {"strategies": [FLIP_SAYING]}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])


def test_a_command_is_said_by_its_own_first_line_not_the_cd_before_it(fleet: Fleet) -> None:
    journal = fleet.state / "incident"
    result = fleet.cli(
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(journal),
    )  # fmt: skip
    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert all((s / "deploy.lock").exists() for s in fleet.sandboxes.values())
    for host in fleet.sandboxes:
        assert f"{host}      sending run (attempt 1): touch deploy.lock\n" in said, said
        assert f"{host}      sending action (attempt 1): echo 2.4.0 > release ...\n" in said, said
    assert "exit 97 ..." not in said, said

    # the execution screen's output pane, from the same events
    intents = [e for e in read_journal(journal).events if isinstance(e.data, CommandIntent)]
    shown = [line for e in intents for line in output_lines(e, e.where.step, "app-1", "k")]
    assert shown == [
        "$ [run · try 1] touch deploy.lock",
        "$ [action · try 1] echo 2.4.0 > release …",
        "$ [verify · try 1] grep -q 2.4.0 release",
    ], shown
    # the record keeps the command as sent, its cd first
    sent = next(e.data.command for e in intents if e.where.host == "app-1")
    assert sent == f"cd -- {fleet.sandboxes['app-1']} || exit 97\ntouch deploy.lock", sent
