"""A canary wave that fails under `run --yes`, on real sshd: --yes confirms the next wave
only after one where every host succeeded, so the later hosts are left as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import HostStatus, fold
from tests.cli_fleet import write_fleet
from tests.fleet_settings import chown_tree
from tests.test_presets_sshd import etc_repository, git

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "etc-restore",
            "kind": "config-restore",
            "preset": "git",
            "params": [{"name": "repo", "default": "etc"}, {"name": "paths", "default": "nginx"}],
            "waves": {"size": 1, "confirm": True},  # a canary, then a yes before the next
        }
    ]
}
PROCEDURE = {
    "name": "Config rollback",
    "phases": [
        {"phase": "immediate", "steps": [{"id": "bridge", "title": "Bridge", "kind": "manual"}]},
        {
            "phase": "execution",
            "steps": [{"id": "restore", "title": "Restore the config", "kind": "strategy"}],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Doc", "kind": "form", "fields": ["reason"]}],
        },
    ],
}


def test_yes_does_not_confirm_the_wave_after_a_failed_canary(sshd_server, tmp_path: Path) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["etc-restore"], probes=[])
    repos = {h: etc_repository(s) for h, s in fleet.sandboxes.items()}
    (repos["app-1"] / "nginx/nginx.conf").write_text("edited by hand\n")  # its precheck fails
    for sandbox in fleet.sandboxes.values():
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    journal = tmp_path / "incident"

    done = fleet.cli(
        "run", "--systems", "app", "--strategy", "etc-restore", "--trigger", "user-impact",
        "--reason", "nginx workers 0", "--yes", "--journal", str(journal),
    )  # fmt: skip

    assert done.returncode == 1, done.stdout + done.stderr
    assert "app-1 did not succeed, so the next wave was not confirmed by --yes" in done.stdout
    said = "the run was halted: wave 2 of 2: not confirmed (app-1 did not succeed)"
    assert f"\n  app-2: not started at restore: {said}\n" in done.stdout, done.stdout
    restore = fold(read_journal(journal).events).step("restore")
    assert restore.hosts["app-1"].status is HostStatus.FAILED
    assert restore.hosts["app-2"].status is HostStatus.NOT_STARTED
    assert git(repos["app-2"], "log", "-n", "1", "--format=%s") == "bad delivery"  # untouched
    intents = [e for e in read_journal(journal).events if e.kind == Kind.COMMAND_INTENT]
    assert {e.where.host for e in intents} == {"app-1"}
    # The question between the waves, and its answer, are in the record and the document
    # (the console stopped to ask, who answered, how long it waited); only a note was.
    events = read_journal(journal).events
    [asked] = [e for e in events if e.kind == Kind.WAVE_ASKED]
    [answered] = [e for e in events if e.kind == Kind.WAVE_ANSWERED]
    assert (asked.where.step, asked.data.what, asked.data.done, asked.data.of) == (
        "restore",
        "wave",
        1,
        2,
    )
    # Not --yes's answer: the console's, as a person seeing the canary fail would give it.
    assert (answered.where.step, answered.data.go_on, answered.data.by) == (
        "restore",
        False,
        "the console, not --yes (app-1 did not succeed)",
    )
    assert answered.data.waited >= 0 and asked.seq < answered.seq
    document = fleet.cli("export", str(journal), "--format", "markdown").stdout
    timeline = document.split("## Timeline", 1)[1].split("\n## ", 1)[0]
    stopped = "stopped to ask: wave 1 of 2 done, start wave 2 (1 host: app-2)?"
    assert f"| {stopped} | restore |" in timeline, timeline
    said = "wave 2 of 2 not started: answered by the console, not --yes (app-1 did not succeed)"
    assert f"| {said} after 0 s | restore |" in timeline, timeline


# The reload that stops the service on the host it runs on (as a reload that takes down a
# service whose new configuration it cannot read): it exits 0.
SILENT_RELOAD = "rm -f running"
HEALTH = {
    "name": "health",
    "title": "Health",
    "kind": "command",  # over SSH on each host: judged between waves on the hosts changed
    "command": "test -e running && echo ok || echo down",
}


@pytest.mark.parametrize("probes", [[], [HEALTH]])
def test_check_config_warns_of_a_canary_nothing_watches_as_the_run_shows(
    sshd_server, tmp_path: Path, probes: list[dict]
) -> None:
    """Walked: a strategy in waves, a canary first, with no probe of its systems that reads
    each host and no check of its own: check-config said nothing, and the run went on to
    the next wave on the canary's exit status alone, its service down. It warns now, one
    line naming the file and key; with a probe that reads each host it says nothing, and
    that probe halts the run after the canary."""
    strategy = {
        **STRATEGIES["strategies"][0],
        "params": [
            {"name": "repo", "default": "etc"},
            {"name": "paths", "default": "nginx"},
            {"name": "restart", "default": SILENT_RELOAD},
        ],
        "waves": {"sizes": [1, "100%"]},
    }
    files = {"strategies.toml": {"strategies": [strategy]}, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["etc-restore"], probes=probes)
    for sandbox in fleet.sandboxes.values():
        etc_repository(sandbox)
        (sandbox / "running").write_text("")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)

    checked = fleet.cli("check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    warned = [line for line in checked.stderr.splitlines() if "canary" in line]
    done = fleet.cli(
        "run", "--systems", "app", "--strategy", "etc-restore", "--trigger", "user-impact",
        "--reason", "nginx workers 0", "--yes", "--journal", str(tmp_path / "incident"),
    )  # fmt: skip
    restore = fold(read_journal(tmp_path / "incident").events).step("restore")
    assert not (fleet.sandboxes["app-1"] / "running").exists()  # the canary's service down
    if not probes:
        lines = (fleet.config / "strategies.toml").read_text().splitlines()
        line = 1 + next(i for i, text in enumerate(lines) if text.startswith("[strategies.waves]"))
        assert warned == [
            f"warning: {fleet.config}/strategies.toml:{line}: strategies[0].waves: strategy"
            " 'etc-restore' puts a canary first, but nothing watches it: no probe of its"
            " systems reads each host, and no check of its own (the preset's verify reads"
            " files): the next wave starts on the canary's exit status alone (add"
            " [[systems.probes]] that read each host, or give the parameter `check` a"
            " default, or [strategies.commands] health)"
        ], checked.stderr
        # As it warned: the second wave went on, the canary's service down (the close
        # says nothing checked that service: not verified).
        assert done.returncode == 1, done.stdout + done.stderr
        assert "NOT VERIFIED" in done.stdout.splitlines()[-1], done.stdout
        assert restore.hosts["app-2"].status is HostStatus.SUCCEEDED
        assert "probes after wave 1" not in done.stdout
    else:
        assert warned == [], checked.stderr
        assert done.returncode == 1, done.stdout + done.stderr
        assert "probes after wave 1 of 2 on app-1: NOT HEALTHY" in done.stdout, done.stdout
        assert restore.hosts["app-2"].status is HostStatus.NOT_STARTED
