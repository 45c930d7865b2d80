"""A strategy's canary waves read the systems' probes before the next wave starts, on real
sshd. Seen on a README fleet of 4 sshd hosts with the init example's canary (waves of 1,
a confirmation between them): `run --yes` answered every question at once and went on to
every host, whatever the probes read after the canary; only the stability soak after the
whole run would have said so. Now a probe that is not healthy after a wave halts the run:
`wave.probed` names the probe, the host and its value, the later waves are not started,
headless exits 1. The probes are judged on the hosts that succeeded so far: the others still run
the release being rolled back, bad as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Static

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.state import fold
from console.model.status import StepStatus
from console.model.status_summary import status_line
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from tests.cli_fleet import Fleet, write_fleet
from tests.fleet_settings import chown_tree
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)
from tests.test_undo_cli import PROCEDURE  # look, restore the release, document

pytestmark = pytest.mark.sshd

STRATEGIES = {
    "strategies": [
        {
            "name": "pin-release",
            "kind": "custom",
            "description": "Pin the previous release, one host at a time",
            "waves": {"size": 1, "confirm": True},  # a canary; --yes answers the question
            "commands": {
                "action": "echo 2.4.1 > version",
                "verify": "grep -qx 2.4.1 version",
            },
        }
    ]
}
# The application's error rate: bad on the release being rolled back (2.5.0), and on a host
# marked `broken` once 2.4.1 runs there too (the strategy's own verify passes there: only
# the probe sees it).
ERRORS = {
    "name": "errors",
    "kind": "command",
    "command": "if grep -qx 2.4.1 version && [ ! -e broken ]; then echo 0.01; else echo 0.31; fi",
    "threshold": 0.05,
    "interval": 5.0,
}


def _fleet(sshd_server, root: Path, broken: bool) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, root, files, strategies=["pin-release"], probes=[ERRORS])
    for sandbox in fleet.sandboxes.values():
        (sandbox / "version").write_text("2.5.0\n")
    if broken:
        (fleet.sandboxes["app-1"] / "broken").write_text("")
    for sandbox in fleet.sandboxes.values():
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def _run(fleet: Fleet, journal: Path):
    return fleet.cli(
        "run", "--systems", "app", "--strategy", "pin-release", "--trigger", "user-impact",
        "--reason", "checkout errors", "--yes", "--journal", str(journal),
    )  # fmt: skip


def test_a_bad_probe_after_the_canary_wave_halts_the_run(sshd_server, tmp_path: Path) -> None:
    fleet = _fleet(sshd_server, tmp_path, broken=True)
    done = _run(fleet, tmp_path / "inc")

    assert done.returncode == 1, done.stdout + done.stderr
    # The canary changed; the next wave never started.
    assert fleet.written("version") == {"app-1": "2.4.1\n", "app-2": "2.5.0\n"}
    said = "app/errors = 0.31 (bad > 0.05), bad on app-1 0.31"
    assert f"wave 2 of 2: not healthy after wave 1: {said}" in done.stdout, done.stdout
    events = read_journal(tmp_path / "inc" / "journal.jsonl").events
    [probed] = [e for e in events if e.kind == Kind.WAVE_PROBED]
    d = probed.data
    assert (d.wave, d.of, d.ok, d.detail) == (1, 2, False, said)
    errors = d.probes["app/errors"]
    assert (errors["state"], errors["shown"], errors["threshold"]) == ("bad", "0.31", "> 0.05")
    assert {h: v["value"] for h, v in errors["hosts"].items()} == {"app-1": 0.31}
    # Halted as it was: nobody was asked to widen an unhealthy canary.
    assert not [e for e in events if e.kind == Kind.WAVE_ANSWERED]
    [halted] = [e for e in events if e.kind == Kind.RUN_HALTED]
    assert halted.data.reason == f"wave 2 of 2: not healthy after wave 1: {said}"
    started = [e.data.wave for e in events if e.kind == Kind.WAVE_STARTED and e.where.step]
    assert started.count(2) == 0, started
    # app-2 says why it was not started, in the record and in the run's last lines.
    [not_started] = [e for e in events if e.kind == Kind.HOST_NOT_STARTED]
    why = f"the run was halted: {halted.data.reason}"
    assert (not_started.where.host, not_started.data.reason) == ("app-2", why)
    assert f"\n  app-2: not started at restore: {why}\n" in done.stdout, done.stdout
    # A status update's {{summary}} says why the others were not started.
    hosts = f"2 hosts: 1 not started, 1 succeeded (halted: {halted.data.reason})"
    assert hosts in status_line(fold(events)), status_line(fold(events))
    # The step reads halted, with why, not `stopped` as after a no between waves (helper-113
    # walked it on six sshd hosts: the same `◌ stopped`, its reason nowhere on the line).
    assert halted.data.probes is True
    [ended] = [e for e in events if e.kind == Kind.STEP_COMPLETED and e.where.step == "restore"]
    assert (ended.data.status, ended.data.summary) == (
        StepStatus.HALTED,
        f"1 not started, 1 succeeded; {halted.data.reason}",
    )
    finished = "finished step “Restore the release”: halted (1 not started, 1 succeeded; wave 2"
    assert finished in done.stdout, done.stdout


async def test_the_console_reads_a_wave_halted_by_a_probe_as_halted(
    sshd_server, tmp_path: Path
) -> None:
    """At 80x24: the checklist's mark and line, the toast and the execution screen's banner
    say halted and why (they said `◌ stopped`, as after a no, and "t retries them with the
    failed ones" where none had failed)."""
    fleet = _fleet(sshd_server, tmp_path, broken=True)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        for step in ("look", "restore"):  # the checklist at the step halted
            app.start_run(step)
            await until(pilot, lambda: isinstance(app.screen, RunConfirm))
            await pilot.press("y")
            ended = app.conductor.state.step(step)
            await until(pilot, lambda st=ended: st.finished is not None, 60)
        toasts = [(n.title, n.message) for n in app._notifications]
        await app.push_screen("execution")
        await until(pilot, lambda: app.screen.query_one("#exec-halt", Static).display)
        await pilot.pause(0.2)
        banner = str(app.screen.query_one("#exec-halt", Static).render()).splitlines()
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "ChecklistScreen")
        await pilot.pause(0.2)
        todo = " ".join(str(app.screen.query_one("#where-todo", Static).render()).split())
        rows = [str(o.prompt) for o in app.screen.query_one("#steps").options if o.prompt]
    said = "app/errors = 0.31 (bad > 0.05), bad on app-1 0.31"
    assert any(r.startswith("> ⊗ halted") and "Restore the release" in r for r in rows), rows
    assert todo.startswith(
        f"Halted, app-2 not started: wave 2 of 2: not healthy after wave 1: {said}. Once"
    ), todo
    assert "F3 then t goes on with them" in todo, todo
    assert [t for t, _ in toasts if "halted" in t] == ["Step halted by a probe"], toasts
    assert banner[0].startswith(" ⊗ HALTED  wave 2 of 2: not healthy after wave 1:"), banner
    assert banner[-1] == " 1 host(s) not started · t goes on with them", banner


def test_healthy_probes_are_read_before_each_next_wave(sshd_server, tmp_path: Path) -> None:
    fleet = _fleet(sshd_server, tmp_path, broken=False)
    done = _run(fleet, tmp_path / "inc")

    assert done.returncode == 0, done.stdout + done.stderr
    assert fleet.written("version") == {"app-1": "2.4.1\n", "app-2": "2.4.1\n"}
    # app-2 still read 0.31 on the release rolled back: not judged, the canary was.
    said = "probes after wave 1 of 2 on app-1: healthy, app/errors = 0.01"
    assert said in done.stdout, done.stdout
    events = read_journal(tmp_path / "inc" / "journal.jsonl").events
    kinds = [e.kind for e in events if e.where.step == "restore"]
    # Read after the canary, before anyone (here --yes) is asked to start wave 2.
    probed = kinds.index(Kind.WAVE_PROBED)
    assert kinds.index(Kind.WAVE_ANSWERED) > probed
    [read] = [e for e in events if e.kind == Kind.WAVE_PROBED]
    assert (read.data.ok, read.data.hosts) == (True, ["app-1"])


async def test_the_wave_question_says_what_the_hosts_changed_read(
    sshd_server, tmp_path: Path
) -> None:
    """At 80x24 the question after the canary says the probes read healthy on it, while
    the table under it shows the whole system, app-2 still bad on the release rolled back:
    a red line under a question the probes let through, with nothing to say why, misread."""
    fleet = _fleet(sshd_server, tmp_path, broken=False)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await until(pilot, lambda: bool(app.screen.query("#run-commands .dialog-text")))
        about = str(app.screen.query_one("#run-commands .dialog-text", Static).render())
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
        question = " ".join(str(app.screen.query_one(".dialog-text", Static).render()).split())
        table = str(app.screen.query_one(".dialog-detail", Static).render()).splitlines()
        await pilot.press("escape")
        await until(pilot, lambda: "restore" not in app.conductor.running, 60)
    # The run's confirmation said so first.
    waves = "2 waves of 1 host each, the probes read after each on the hosts that succeeded"
    assert f"Waves: {waves} so far (app/errors; one not healthy halts it)" in about, about
    said = "Probes on app-1 (succeeded so far): healthy, app/errors = 0.01."
    assert said in question, question
    assert [line.split() for line in table[1:]] == [
        ["✘", "app/errors", "0.31", ">", "0.05", "bad", "on", "app-2", "0.31"]
    ], table


def _refusing_fleet(sshd_server, root: Path) -> Fleet:
    """pin-release with a precheck that refuses a host on 2.4.1 already (app-1), and an undo."""
    pin = STRATEGIES["strategies"][0]
    refusing = {
        **pin,
        "commands": {
            **pin["commands"],
            "precheck": "if grep -qx 2.4.1 version; then echo already 2.4.1 >&2; exit 120; fi",
            "undo": "echo 2.5.0 > version",
        },
    }
    files = {"strategies.toml": {"strategies": [refusing]}, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, root, files, strategies=["pin-release"], probes=[ERRORS])
    for host, sandbox in fleet.sandboxes.items():
        (sandbox / "version").write_text("2.4.1\n" if host == "app-1" else "2.5.0\n")
        chown_tree(sandbox, sshd_server.account.uid, sshd_server.account.gid)
    return fleet


def test_a_canary_refused_everywhere_then_the_others_changed(sshd_server, tmp_path: Path) -> None:
    """helper-113 ran a toggle-off again after a halt (the canary's flags already off): the
    canary wave was refused, and the record read `probes after wave 1 of 3: none reads
    alone, not judged` (no host named). The run then changed the others: the canary needed
    nothing, the step is done (it closed as refused, exit 3, then NOT VERIFIED, exit 1,
    the walk stopped there), each host verified by the strategy's verify (the procedure has
    no stability check), and the close names the canary as needing nothing, with why."""
    fleet = _refusing_fleet(sshd_server, tmp_path)
    done = _run(fleet, tmp_path / "inc")

    assert done.returncode == 0, done.stdout + done.stderr
    verdict = done.stdout.strip().splitlines()[-1]
    said = "rolled back and verified; needed nothing, nothing changed there: app-1: already 2.4.1"
    assert f": {said}; journal " in verdict, verdict
    assert fleet.written("version") == {"app-1": "2.4.1\n", "app-2": "2.4.1\n"}
    said = "probes after wave 1 of 2: no host succeeded so far, none judged"
    assert f"restore    {said}\n" in done.stdout, done.stdout
    assert "rollback-console undo" not in done.stdout  # done: nothing to put back
    assert "not rolled back" not in done.stdout


async def test_the_question_after_a_canary_refused_everywhere(sshd_server, tmp_path: Path) -> None:
    """The console's question said `No probe reads  alone` (no host named)."""
    fleet = _refusing_fleet(sshd_server, tmp_path)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
        question = " ".join(str(app.screen.query_one(".dialog-text", Static).render()).split())
        await pilot.press("escape")
        await until(pilot, lambda: "restore" not in app.conductor.running, 60)
    assert "No host succeeded so far: no probe judged the wave." in question, question


def test_a_host_read_before_its_wave_has_no_after_in_the_document(
    sshd_server, tmp_path: Path
) -> None:
    """The probes read after the canary's wave read every host, app-2 still on the release
    being rolled back (0.31). The document took that sample as app-2's after, since it came
    once the step had started: walked on six sshd hosts (helper-152), a run halted after its
    third wave read `web/health (probe) | – | down | web-2, ...`, web-2 changed and read ok
    in the wave after it. A host's after is read once the rollback sent it a command."""
    fleet = _fleet(sshd_server, tmp_path, broken=False)
    done = _run(fleet, tmp_path / "inc")
    assert done.returncode == 0, done.stdout + done.stderr
    exported = fleet.cli("export", str(tmp_path / "inc"), "--format", "json")
    assert exported.returncode == 0, exported.stderr
    changes = json.loads(exported.stdout)["document"]["systems"][0]["changes"]
    errors = {h: (c["before"], c["after"]) for c in changes if c["key"] == "app/errors"
              for h in c["hosts"]}  # fmt: skip
    assert errors["app-1"][1] == "0.01", changes
    # Read before its wave: a before, never an after.
    assert errors["app-2"] == ("0.31", None), changes
