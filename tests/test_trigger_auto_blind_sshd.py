"""`run --trigger auto` says which triggers are blind, as the console's trigger screen
does (`? blind`). Walked on real sshd: the application stopped answering, so every host's
error-rate probe failed; the console's trigger screen said the trigger blind, while
headless said only 'error: no automatic trigger is firing on app': read as a quiet fleet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_fleet import FLAG_PROCEDURE, write_fleet

pytestmark = pytest.mark.sshd

PROBES = [{"name": "rate", "kind": "command", "command": "cat rate", "threshold": 0.05}]
TRIGGER = {"name": "critical", "kind": "error-threshold", "system": "app", "probe": "rate"}


def test_run_trigger_auto_names_the_blind_trigger(sshd_server, tmp_path: Path) -> None:
    files = {
        "strategies.toml": {"strategies": [{"name": "release", "kind": "version-rollback"}]},
        "procedure.toml": FLAG_PROCEDURE,
        "triggers.toml": {"triggers": [TRIGGER | {"consecutive": 1}]},
    }
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["release"], probes=PROBES)
    # no host has the file: `cat rate` fails on both, the probe reads nothing
    argv = ("--systems", "app", "--strategy", "release", "--trigger", "auto", "--yes")
    run = fleet.cli("run", *argv)

    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr == (
        "error: no automatic trigger is firing on app, and blind, reading too little to judge:"
        " critical (app/rate = – · 2 not read); name a manual trigger with --trigger and"
        " --reason\n"
    ), run.stderr

    # one host read, healthy, the other not: blind too, and not "reading nothing"
    rate = fleet.sandboxes["app-2"] / "rate"
    rate.write_text("0.01\n")
    os.chown(rate, sshd_server.account.uid, sshd_server.account.gid)
    run = fleet.cli("run", *argv)
    assert run.returncode == 2, run.stdout + run.stderr
    assert (
        ", and blind, reading too little to judge: critical (app/rate = 0.01 · 1 not read);"
        in run.stderr
    ), run.stderr
