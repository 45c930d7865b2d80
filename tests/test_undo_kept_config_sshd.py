"""`undo JOURNAL STEP` without --config runs the configuration its incident kept as it
opened, and an undo's parameter can be given in place of the incident's, said and noted.
Walked on a real sshd fleet with init's configuration: `undo ID restore --dry-run` stopped
at 'no configuration found' though the incident kept config-opened.json beside its
journal; and once the restart command was fixed in strategies.toml, the undo still sent
the incident's own, with no way to send the fixed one."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import Fleet, checklist, write_fleet
from tests.folded import folded, too_wide

pytestmark = pytest.mark.sshd

FLIP = {
    "name": "flip",
    "kind": "custom",
    "params": [{"name": "restart", "default": "echo old"}],
    "commands": {
        "action": "sh -c {{restart}} > said",
        "verify": "test -s said",
        "undo": "sh -c {{restart}} > undone",
    },
}
RESTORE = {"id": "restore", "title": "Restore", "kind": "strategy"}


def _fleet(sshd_server, tmp_path: Path, console: dict | None = None) -> Fleet:
    files = {"strategies.toml": {"strategies": [FLIP]}, "procedure.toml": checklist(RESTORE)}
    files |= {"console.toml": console} if console else {}
    return write_fleet(
        sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=["app-1"]
    )


def _rolled_back(fleet: Fleet) -> Path:
    journal = fleet.state / "incident"
    ran = fleet.cli(
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--journal", str(journal), "--yes",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return journal


def _undo(fleet: Fleet, *args: str) -> subprocess.CompletedProcess:
    """`undo` as typed with no --config, from a directory without ./config, with no
    $ROLLBACK_CONSOLE_CONFIG and an empty user config dir."""
    elsewhere = fleet.state.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "ROLLBACK_CONSOLE_CONFIG"}
    env |= {"ROLLBACK_CONSOLE_STATE": str(fleet.state), "XDG_CONFIG_HOME": str(elsewhere)}
    return subprocess.run(
        [sys.executable, "-m", "console", "undo", *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=elsewhere, check=False,
    )  # fmt: skip


def _set_restart(fleet: Fleet, restart: str) -> None:
    path = fleet.config / "strategies.toml"
    strategies = tomllib.loads(path.read_text())
    strategies["strategies"][0]["params"][0]["default"] = restart
    path.write_text(tomli_w.dumps(strategies))


def _words(out: str) -> str:
    """What the dry run says in `# ` lines before its commands, unfolded (`# ! ` lines
    apart)."""
    said = out.split("\n###", 1)[0].splitlines()
    return " ".join(line[2:] for line in said if line.startswith("# ") and line[2:4] != "! ")


def _notes(journal: Path) -> list[str]:
    return [e.data.text for e in read_journal(journal).events if e.kind == Kind.NOTE_ADDED]


def test_an_undo_without_config_runs_what_the_incident_kept(sshd_server, tmp_path: Path) -> None:
    fleet = _fleet(sshd_server, tmp_path)
    journal = _rolled_back(fleet)
    kept = journal / "config-opened.json"
    _set_restart(fleet, "echo fixed")  # the restart fixed in strategies.toml since

    shown = _undo(fleet, str(journal), "restore", "--dry-run")

    assert shown.returncode == 0, shown.stdout + shown.stderr
    said = _words(shown.stdout)
    assert (
        f"configuration the incident opened with, as it kept it ({kept}, read from"
        f" {fleet.config}); --config DIR sends what the files say now"
    ) in said, shown.stdout
    assert folded(shown.stdout, "# ! ", "#   ") == [
        'strategies.toml (strategies.flip.params.restart.default: "echo old" → "echo fixed"'
        " (not used by this incident: it keeps the value it chose)) changed in"
        f" {fleet.config} since the incident opened: not sent, this undo sends the"
        " incident's copy"
    ], shown.stdout
    assert said.endswith(
        f"the incident's own restart is sent; --config {fleet.config} --param-default"
        " restart sends the new default"
    ), shown.stdout
    assert "sh -c 'echo old' > undone" in shown.stdout and not too_wide(shown.stdout, ("#",))
    # Sent as shown: the incident's copy, noted so in its record.
    undone = _undo(fleet, str(journal), "restore", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert fleet.written("undone") == {"app-1": "old\n"}
    assert f"undo with the configuration the incident opened with, as it kept it ({kept}," in (
        "\n".join(_notes(journal))
    )
    assert "--config" not in undone.stdout.splitlines()[-1]  # its hints run the copy again


def test_an_undo_sends_a_parameter_given_in_place_of_the_incidents(
    sshd_server, tmp_path: Path
) -> None:
    fleet = _fleet(sshd_server, tmp_path)
    journal = _rolled_back(fleet)
    _set_restart(fleet, "echo fixed")

    shown = fleet.cli("undo", str(journal), "restore", "--dry-run", "--param-default", "restart")

    assert shown.returncode == 0, shown.stdout + shown.stderr
    line = (
        'for this undo: restart = "echo fixed" (--param-default: strategies.toml\'s now),'
        ' not the incident\'s "echo old"'
    )
    assert line in _words(shown.stdout), shown.stdout
    assert "sh -c 'echo fixed' > undone" in shown.stdout, shown.stdout
    assert "not used by this incident" not in shown.stdout  # it is used, by this undo
    undone = fleet.cli("undo", str(journal), "restore", "--yes", "--param-default", "restart")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert fleet.written("undone") == {"app-1": "fixed\n"}
    assert f"undo with {line.removeprefix('for this undo: ')}" in _notes(journal)
    # Given outright, without --config: the incident's copy, that one value changed.
    typed = _undo(fleet, str(journal), "restore", "--hosts", "app-1", "--dry-run",
                  "--param", "restart=echo typed")  # fmt: skip
    assert typed.returncode == 0, typed.stdout + typed.stderr
    assert "sh -c 'echo typed' > undone" in typed.stdout, typed.stdout
    wrong = fleet.cli("undo", str(journal), "restore", "--dry-run", "--param-default", "restrat")
    assert wrong.returncode == 2 and wrong.stderr == (
        "error: --param-default restrat: strategy 'flip' has no parameter 'restrat' (did you"
        " mean 'restart'?) (its parameters: restart)\n"
    ), wrong.stderr


def test_a_kept_copy_whose_secrets_are_masked_is_not_run(sshd_server, tmp_path: Path) -> None:
    fleet = _fleet(sshd_server, tmp_path, {"redact": {"values": ["Pw-4f9c2e77"]}})
    journal = _rolled_back(fleet)

    refused = _undo(fleet, str(journal), "restore", "--dry-run")

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.stderr == (
        f"error: the configuration the incident kept ({journal / 'config-opened.json'}) masks"
        " secrets in console.toml, which the undo needs whole (to send, and to mask in its"
        f" record): give --config {fleet.config} (the files as they are now)\n"
    ), refused.stderr
    assert fleet.cli("undo", str(journal), "restore", "--dry-run").returncode == 0
