"""The execution screen's line of a step's earlier runs keeps its counts in 80 columns. Walked
at 80x24 on a README fleet of 200 real sshd hosts: after t had retried a run halted at its
max_fail_percentage, the line read 'Earlier run 1: 3 of 3 waves, web-001, web-002, web-003
+197: 72 ok, 13 failed,' and its '115 not started' was cut at the screen's edge. Names that
do not fit give way to how many hosts the run took. Four hosts with long names stand in for
the 200, on real sshd."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.loading import load_settings
from tests.cli_fleet import FLAG_PROCEDURE, write_fleet
from tests.test_retry_standing_sshd import waves_line_after_retry
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
)

pytestmark = pytest.mark.sshd

HOSTS = [f"storefront-web-eu-west-{n:02d}" for n in range(1, 5)]
STRATEGY = {
    "name": "pin-release",
    "kind": "custom",
    "waves": {"sizes": ["100%"]},
    "max_fail_percentage": 0.0,  # the first host failing stops the run there
    "commands": {"action": "test ! -e broken && echo 2.4.1 > version", "verify": "true"},
}


async def test_the_earlier_run_line_keeps_its_counts_at_80_columns(sshd_server, tmp_path: Path):
    files = {"strategies.toml": {"strategies": [STRATEGY]}, "procedure.toml": FLAG_PROCEDURE}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["pin-release"], probes=[], hosts=HOSTS
    )
    inventory = fleet.config / "inventory.toml"  # one host at a time: the rest not started
    inventory.write_text(inventory.read_text().replace("[ssh]\n", "[ssh]\nmax_commands = 1\n"))
    (fleet.sandboxes[HOSTS[0]] / "broken").write_text("")
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    said = await waves_line_after_retry(app, fleet.sandboxes[HOSTS[0]] / "broken")
    earlier = said.splitlines()[-1]
    assert earlier == " Earlier run 1: 1 of 1 wave, 4 hosts: 0 ok, 1 failed, 3 not started"
    assert all(len(line) <= 80 for line in said.splitlines()), said
