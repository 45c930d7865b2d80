"""The document's Failures keep each failed attempt of a host, and say what followed in
the order it came. Walked on a real OpenSSH fleet at 80x24: web-3's restart failed ("port
8080 in use"), its retry was cut short by the console killed and found failed by V, a
third try succeeded, the step was undone and run again. The document said only the
second failure ("restart not finished ... (cut off, or it failed)"): why web-3 failed
was in no section of the Markdown; "What was done: retried: attempt 4 succeeded; undone:
succeeded" read as if web-3 had been left undone; and the summary said one run ("ran on
6 hosts (6 succeeded)"), the undo and the run after it in no sentence. Real sshd, a real
conductor, the document as `export` writes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_fleet import Fleet, flag_fleet, flag_incident
from tests.test_close_after_rerun import PROBE, PROCEDURE, STRATEGIES
from tests.test_undo_again_sshd import read_only

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n", [PROBE])


async def test_each_failure_of_a_host_and_what_followed_in_order(fleet: Fleet) -> None:
    async with flag_incident(fleet, incident_id="20261205-200000-beef") as conductor:
        with read_only(fleet.sandboxes["app-2"]):  # attempt 1: nothing can be written there
            assert not await conductor.run_step("restore")
        flags = fleet.sandboxes["app-2"] / "flags"
        flags.chmod(0)  # attempt 2: the flags file cannot be read
        try:
            assert not await conductor.run_step("restore", only_hosts=["app-2"])
        finally:
            flags.chmod(0o644)
        assert await conductor.run_step("restore", only_hosts=["app-2"])  # attempt 3
        assert await conductor.undo("restore")
        assert await conductor.run_step("restore")  # attempt 4, on both hosts
        journal = conductor.recorder.path

    done = fleet.cli("export", str(journal), "--format", "json", "-o", "-")
    assert done.returncode == 0, done.stderr
    failures = json.loads(done.stdout)["document"]["failures"]
    said = [(f["host"], f["attempt"], f["done"]) for f in failures]
    assert said == [
        ("app-2", 1, "retried: attempt 2 failed"),
        # whose precheck failed: attempt 2's, not 4's (it read "then run again: attempt 4
        # succeeded; its precheck failed, so the action never ran there")
        ("app-2", 2, "retried: attempt 3 succeeded; undone: succeeded; then run again:"
         " attempt 4 succeeded; at attempt 2 the precheck failed, so that attempt's action"
         " never ran there"),
    ], said  # fmt: skip
    first, second = failures
    assert first["stderr"] and first["stderr"] != second["stderr"], failures

    markdown = fleet.cli("export", str(journal), "-o", "-")
    assert markdown.returncode == 0, markdown.stderr
    section = markdown.stdout.split("## Failures")[1].split("\n## ")[0]
    assert first["stderr"][-1] in section, section  # the first failure's own words
    summary = markdown.stdout.split("## Summary")[1].split("\n## ")[0]
    # The undo and the run after it, said in the summary (it read as one run).
    undone = "“Restore” was undone on app-1, app-2 and run again there after its undo"
    assert undone in summary, summary
    assert summary.count("app-2") == 2, summary  # and its failures, once
    # The retry that succeeded was attempt 3; attempt 4 was the run after the undo (it
    # read "succeeded when retried (attempt 4)").
    retried = "“Restore” failed at first on app-2 and succeeded when retried (attempt 3)"
    assert retried in summary, summary
