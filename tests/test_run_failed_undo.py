"""A headless run whose strategy changed hosts and then failed says so on its last lines,
with the undo that puts them back, which runs as printed. Seen on a README fleet: a git
configuration restore whose health check failed closed as 'failed at restore · verify' on
four hosts, with no word that their configuration had been restored, nor of `undo`."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PARAMS, FLAG_PROCEDURE, flag_fleet, run_off

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "off",  # the flags go to 0, then the health check fails
            "kind": "feature-toggle-off",
            "preset": "file",
            "params": [*FLAG_PARAMS, {"name": "check", "default": "false"}],
        },
    ]
}


def test_a_failed_run_names_the_changed_hosts_and_the_undo_that_runs_as_printed(
    sshd_server, tmp_path: Path
) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n")
    run = run_off(fleet)
    assert run.returncode == 1, run.stdout + run.stderr
    assert set(fleet.written("flags").values()) == {"new_checkout=0\n"}
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("“Restore” changed"))
    assert line.startswith("“Restore” changed app-1, app-2 (failed): to put them back, "), line
    printed = line.split("to put them back, ", 1)[1].removesuffix(", then without --dry-run")
    words = shlex.split(printed)
    assert words[0] == "rollback-console" and "--dry-run" in words and "--config" in words
    args = [w for w in words[1:] if w != "--config" and w != str(fleet.config)]
    dry = fleet.cli(*args)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert set(fleet.written("flags").values()) == {"new_checkout=0\n"}  # nothing sent
    undo = fleet.cli(*[w for w in args if w != "--dry-run"], "--yes")
    assert undo.returncode == 0, undo.stdout + undo.stderr
    assert set(fleet.written("flags").values()) == {"new_checkout=100\n"}

    again = fleet.cli(
        "run", "--systems", "app", "--strategy", "off", "--trigger", "user-impact",
        "--reason", "checkout broken again", "--yes", "--quiet",
    )  # fmt: skip
    assert again.returncode == 1 and "changed app-1, app-2" in again.stdout, again.stdout


def test_hosts_that_succeeded_in_a_failed_step_are_not_said_failed(
    sshd_server, tmp_path: Path
) -> None:
    """Walked on a README fleet: a configuration restore failed on the hosts with no
    revision to go back to, and the last lines read '“Restore previous version” changed
    web-1, web-3 (failed)' of the two hosts it had restored, each succeeded."""
    strategies = {"strategies": [{**STRATEGIES["strategies"][0], "params": FLAG_PARAMS}]}
    files = {"strategies.toml": strategies, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n")
    (fleet.sandboxes["app-2"] / "flags").write_text("other=100\n")  # its precheck fails
    run = run_off(fleet)
    assert run.returncode == 1, run.stdout + run.stderr
    assert fleet.written("flags") == {"app-1": "new_checkout=0\n", "app-2": "other=100\n"}
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("“Restore” changed"))
    assert line.startswith("“Restore” changed app-1 (succeeded there; the step failed): to put"
                           " it back, "), line  # fmt: skip


def test_hosts_held_by_a_stage_that_failed_elsewhere_are_not_said_failed(
    sshd_server, tmp_path: Path
) -> None:
    """Walked on a hand-built fleet (helper-157): a re-enable's first stage failed on one
    host and held the others at 5 %, and the last lines read '“Restore previous version”
    changed web-1, web-2, web-3 (failed), and changed web-4 (failed)' of three hosts that
    passed their stage."""
    reenable = {
        "name": "off",  # the name run_off runs: here a gradual re-enable
        "kind": "feature-reenable",
        "preset": "file",
        "params": [*FLAG_PARAMS, {"name": "check", "default": "test ! -e broken"}],
    }
    files = {"strategies.toml": {"strategies": [reenable]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=0\n")
    (fleet.sandboxes["app-2"] / "broken").touch()
    run = run_off(fleet)
    assert run.returncode == 1, run.stdout + run.stderr
    assert set(fleet.written("flags").values()) == {"new_checkout=5\n"}
    line = next(ln for ln in run.stdout.splitlines() if ln.startswith("“Restore” changed"))
    assert line.startswith(
        "“Restore” changed app-1 (held there; the step failed), and changed app-2 (failed):"
        " to put them back, "
    ), line
