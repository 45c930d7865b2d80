"""The execution screen's halt banner counts the hosts its cut leaves out. Seen at 80x24 on
a real sshd fleet of 200 hosts (40-character names, waves of 50): the first wave failed
on all 50, the commander stopped at the question, and the banner read '✘ HALTED 50 of
200 host(s) failed · wave 2 of 4: not confirmed (ip-10-0-0-5.eu-west-1.compute.internal
… and 2 more host(s), named in the record': three hosts, where the reason said 'a, b, c
+47 more did not succeed'."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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

HOSTS = [f"checkout-storefront-web-eu-west-1{z}-primary-{n:03d}" for n, z in enumerate("abcdefgh")]
FAILING = {
    "name": "pin",
    "kind": "custom",
    "waves": {"size": 4, "confirm": True},
    "max_fail_percentage": 100.0,
    "commands": {"action": "true", "verify": "echo nope >&2; false"},
}


async def test_the_halt_banner_counts_every_host_it_does_not_name(sshd_server, tmp_path: Path):
    files = {"strategies.toml": {"strategies": [FAILING]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["pin"], probes=[], hosts=HOSTS)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm), 30)
        await pilot.press("y")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, ConfirmDialog)
                or app.conductor.state.step("restore").status.finished
            ),
            60,
        )
        await pilot.pause(0.5)  # a key typed before the question is drawn is not its own
        await pilot.press("escape")  # stop here
        ended = (StepStatus.FAILED, StepStatus.STOPPED, StepStatus.HALTED)
        await until(pilot, lambda: app.conductor.state.step("restore").status in ended, 60)
        await app.push_screen("execution")
        await pilot.pause(0.5)
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
    shown = "\n".join(lines)
    start = next(i for i, line in enumerate(lines) if "HALTED" in line)
    banner = " ".join(line.strip(" █") for line in lines[start : start + 3])
    reason = banner.split("not confirmed", 1)[1]
    assert "…" in reason, shown  # cut: the reason names four hosts of 52 characters
    named = [h for h in HOSTS[:4] if h in reason.split("…")[0]]
    said = re.search(r"and (\d+) more host\(s\)", reason)
    assert said is not None, shown
    assert len(named) + int(said.group(1)) == 4, (named, said.group(0), shown)
