"""The execution screen's lines over the host grid at 80x24 when many hosts fail, on real
sshd (walked on 34 sshd hosts). The halt banner: a probe not read after the first wave
named every host of it with its error, and the banner, `height: auto`, grew over the host
grid, the retry key's line last, pushed out of sight; now the reason is cut to three lines
at a list separator, saying how many hosts it no longer names. The waves line: one phrase
a wave, cut at the screen's edge; now the finished waves are one phrase when they do not
fit. The run's question: past four waves, their size once. The close: how many hosts are
left. exec's last line: the hosts in the inventory's order. The wave question: which
hosts the probes judged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from console.model.loading import load_settings
from console.model.state import StepStatus
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.dialogs import ConfirmDialog
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd

HOSTS = [f"app-{i:02d}" for i in range(1, 13)]
# The metrics agent is down where the release was rolled back: the probe is not read there,
# each host saying why at length, as real tools do.
PROBE = {
    "name": "errors",
    "kind": "command",
    "command": "test -e version || exit 0; echo 'cannot read http://127.0.0.1:9100/metrics:"
    " connection refused by the local metrics agent' >&2; exit 1",
    "threshold": 0.05,
    "interval": 5.0,
}
FILES = {
    "strategies.toml": {
        "strategies": [
            {
                "name": "pin-release",
                "kind": "custom",
                "waves": {"percent": 50},  # six hosts, then the probes, then six more
                "commands": {"action": "echo 2.4.1 > version", "verify": "test -e version"},
            }
        ]
    },
    "procedure.toml": FLAG_PROCEDURE,  # a manual step, the strategy's `restore`, a form
}


def _config(
    sshd_server, root: Path, probes: list[dict] | None = None, **strategy
) -> tuple[Path, dict[str, Path]]:
    """The configuration and each host's sandbox; `strategy` keys replace the strategy's,
    and with those given no probe watches the system unless `probes` says."""
    probes = probes if probes is not None else [] if strategy else [PROBE]
    [pin] = FILES["strategies.toml"]["strategies"]
    files = {**FILES, "strategies.toml": {"strategies": [pin | strategy]}}
    fleet = write_fleet(
        sshd_server, root, files, strategies=["pin-release"], probes=probes, hosts=HOSTS
    )
    return fleet.config, fleet.sandboxes


async def _restore(pilot) -> str:
    """Open an incident on every host and run its strategy step; the question it asked."""
    app = pilot.app
    await open_incident(pilot)
    app.start_run("restore")
    await until(pilot, lambda: isinstance(app.screen, RunConfirm))
    asked = str(app.screen.query_one("#run-commands .dialog-text", Static).render())
    await pilot.press("y")
    return asked


async def test_a_halt_naming_every_host_keeps_the_grid_and_the_retry_in_sight(
    sshd_server, tmp_path: Path
) -> None:
    config, _ = _config(sshd_server, tmp_path)
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await _restore(pilot)
        await until(pilot, lambda: app.conductor.state.step("restore").halted, 60)
        await app.push_screen("execution")
        await until(pilot, lambda: app.screen.query_one("#exec-halt", Static).display)
        await pilot.pause(0.2)
        halt = app.screen.query_one("#exec-halt", Static)
        banner, height = str(halt.render()), halt.size.height
        grid_rows = app.screen.query_one("#grid").size.height
        reason = app.conductor.state.halts[-1]["reason"]
    # The reason names a few hosts and counts the others (wave.probed has each).
    assert all(f"{h}: exit 1: cannot read" in reason for h in HOSTS[:2]), reason
    assert reason.endswith("; +4 more in error"), reason
    assert height <= 4, banner  # the reason in three lines at most, then the retry key
    said, then = banner.splitlines()
    assert said.startswith(" ⊗ HALTED  wave 2 of 2: not healthy after wave 1:"), banner
    assert then == " 6 host(s) not started · t goes on with them"  # none failed
    assert grid_rows >= 5, grid_rows  # its header and four hosts


async def test_many_waves_with_failures_here_and_there_fit_the_waves_line(
    sshd_server, tmp_path: Path
) -> None:
    """Walked on 34 sshd hosts in waves of 3: with failures in waves 2, 3 and 6-8 the line
    read 'Waves ✔ 1/9 3 ok, 0 failed · ✘ 2/9 0 ok, 3 failed · ✘ 3/9 0 ok, 3 failed · ✔'
    and stopped at the edge: six waves and their counts out of sight. When the waves do
    not fit, the finished ones are one phrase: their hosts counted, those not ok named by
    what they are (it said '(not all ok: 2–3, 5, 8–10 +1 more)', wave numbers an incident
    commander had to work out into hosts and states)."""
    waves = {"size": 1}  # twelve waves, none asked about, no probes between them
    commands = {"action": "test ! -e broken", "verify": "true"}
    config, sandboxes = _config(sshd_server, tmp_path, waves=waves, commands=commands)
    for n in (2, 3, 5, 8, 9, 10, 12):
        (sandboxes[HOSTS[n - 1]] / "broken").write_text("")
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        asked = await _restore(pilot)
        failed = StepStatus.FAILED  # every wave ran: seven hosts failed, none halted it
        await until(pilot, lambda: app.conductor.state.step("restore").status is failed, 60)
        await app.push_screen("execution")
        await until(pilot, lambda: "Waves" in str(app.screen.query_one("#exec-waves").render()))
        await pilot.pause(0.2)
        line = str(app.screen.query_one("#exec-waves", Static).render())
        await pilot.press("f7")  # to close: the hosts not rolled back, counted
        await until(pilot, lambda: bool(app.screen.query("#close-ask")))
        await pilot.pause(0.2)
        close_ask = str(app.screen.query_one("#close-ask").render())
    assert line == " Waves ✘ 1–12 of 12: 5 ok, 7 failed (app-02, app-03, app-05 +4 more)"
    assert len(line) <= 80
    # The question said the waves in a few words, not each of the twelve sizes.
    assert "\nWaves: 12 waves of 1 host each" in asked, asked  # after the commands
    # The input shows a few of the hosts left: the question says how many there are.
    assert close_ask == "Hosts NOT rolled back (comma-separated), 7 from the record:"


def test_exec_names_the_hosts_that_did_not_succeed_in_the_inventory_order(
    sshd_server, tmp_path: Path
) -> None:
    """Walked on 34 sshd hosts: 'exec: 10 of 34 host(s) did not succeed: 10 FAILED (web-06,
    web-07, web-08, web-09, web-05, web-04, ...)', as they happened to finish, a list that
    changed from run to run. Here the later hosts fail first."""
    config, sandboxes = _config(sshd_server, tmp_path)
    for host, delay in (("app-02", "1.0"), ("app-05", "0.5"), ("app-09", "0")):
        (sandboxes[host] / "broken").write_text(delay)
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    command = 'test ! -e broken || { sleep "$(cat broken)"; exit 1; }'
    argv = ["exec", "--config", str(config), "--systems", "app", command]
    done = subprocess.run(
        [sys.executable, "-m", "console", *argv],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last == "exec: 3 of 12 host(s) did not succeed: 3 FAILED (app-02, app-05, app-09)"


async def test_the_wave_question_says_the_probes_judged_the_hosts_that_succeeded(
    sshd_server, tmp_path: Path
) -> None:
    """Walked on 34 sshd hosts: after a wave whose three hosts failed their restart (the
    release switched, then the restart failed), the question read 'Probes on web-01,
    web-02, web-03 (changed so far): healthy': the failed hosts were changed too, and were
    not judged. It says the hosts that succeeded."""
    waves = {"percent": 50, "confirm": True}
    commands = {"action": "echo 2.4.1 > version; test ! -e broken", "verify": "true"}
    probe = {**PROBE, "command": "echo 0.01"}  # healthy wherever it is read
    config, sandboxes = _config(sshd_server, tmp_path, [probe], waves=waves, commands=commands)
    (sandboxes["app-03"] / "broken").write_text("")
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await _restore(pilot)
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog), 60)
        question = " ".join(str(app.screen.query_one(".dialog-text", Static).render()).split())
        await pilot.press("escape")
        await until(pilot, lambda: "restore" not in app.conductor.running, 60)
    assert "5 ok, 1 did not succeed (app-03)" in question, question
    judged = "app-01, app-02, app-04 +2 more"  # app-03 changed too, and is not judged
    assert f"Probes on {judged} (succeeded so far): healthy, app/errors = 0.01." in question
