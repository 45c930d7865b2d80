"""The document's Failures section says how far a failed attempt got, in its last lines of
output: it gave the failure and stderr only, and "What was done: nothing recorded", of a
version rollback whose action had switched the release (its output said so) before it was
stopped (seen at 80x24 on a real sshd fleet). Real OpenSSH sshd: the action changes the
release, says so, then fails on one host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from tests.cli_fleet import write_fleet
from tests.sshd import _free_port
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES, run

pytestmark = pytest.mark.sshd

ACTION = (
    'echo 2.4.0 > release && echo "switched: 2.4.1 -> 2.4.0" && echo "restarting"'
    " && test ! -f broken"
)


def test_a_failed_attempts_last_output_is_in_the_failures(sshd_server, tmp_path: Path):
    strategies = json.loads(json.dumps(STRATEGIES))
    strategies["strategies"][0]["commands"]["action"] = ACTION
    files = {"strategies.toml": strategies, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    (fleet.sandboxes["app-2"] / "broken").write_text("")
    result = run(fleet, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    journal = str(fleet.state / "incident")
    document = fleet.cli("export", journal, "--format", "markdown", "-o", "-").stdout
    failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
    assert "### app-2 · Restore the release" in failures, failures
    said = "- **Last 2 line(s) of its output:**\n\n  ```text\n"
    assert said + "  switched: 2.4.1 -> 2.4.0\n  restarting\n  ```" in failures, failures
    # Read whole (every stdout line, as the goldens are rendered), the same document.
    events = read_journal(fleet.state / "incident" / "journal.jsonl").events
    assert EXPORT_FORMATS["markdown"].render(events, False) == document
    exported = json.loads(fleet.cli("export", journal, "--format", "json", "-o", "-").stdout)
    (failure,) = exported["document"]["failures"]
    assert failure["stdout"] == ["switched: 2.4.1 -> 2.4.0", "restarting"]
    # "nothing more: the incident was closed" alone read as if nothing had happened there;
    # the run's last lines said it may have changed app-2
    maybe = "; it may have changed the host (its action failed there), and no undo ran"
    assert failure["done"].endswith(maybe), failure["done"]
    assert f"- **What was done:** {failure['done']}\n" in failures, failures


def _failures(sshd_server, tmp_path: Path, *, refused: bool) -> str:
    """The document's Failures section after a run whose precheck fails on app-2 (its
    `broken` file), with app-1 on a port nothing listens on when `refused`."""
    strategies = json.loads(json.dumps(STRATEGIES))
    strategies["strategies"][0]["commands"]["precheck"] = "test ! -f broken"
    files = {"strategies.toml": strategies, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    (fleet.sandboxes["app-2"] / "broken").write_text("")
    if refused:
        inventory = fleet.config / "inventory.toml"
        port = f"port = {sshd_server.server.port}"
        inventory.write_text(inventory.read_text().replace(port, f"port = {_free_port()}", 1))
    result = run(fleet, "--yes")
    assert result.returncode == 1, result.stdout + result.stderr
    journal = str(fleet.state / "incident")
    document = fleet.cli("export", journal, "--format", "markdown", "-o", "-").stdout
    failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
    assert "nothing recorded" not in failures.replace("**stderr:** nothing recorded", "")
    return failures


DONE = "- **What was done:** nothing more: the incident was closed"


def test_what_was_done_says_no_command_ran_on_a_host_never_reached(sshd_server, tmp_path):
    """Walked on 120 sshd hosts, one on a closed port (helper-138): its failure read
    "What was done: nothing recorded"; the document says no command ran there."""
    failures = _failures(sshd_server, tmp_path, refused=True)
    one = failures.split("### app-1 ", 1)[1]
    assert DONE in one, failures
    assert "; no command ran there (it was never reached or never logged in)\n" in one


def test_what_was_done_says_the_action_never_ran_after_a_failed_precheck(sshd_server, tmp_path):
    failures = _failures(sshd_server, tmp_path, refused=False)
    two = failures.split("### app-2 ", 1)[1]
    assert "- **What was done:** accepted (partially rolled back; not rolled back: app-2)" in two
    assert "; its precheck failed, so the action never ran there\n" in two, failures
