"""The rollback document's summary said 'The flip strategy ran on 2 hosts (2 succeeded)'
of an incident whose strategy step never ran: a command step before it had run on those
hosts (walked on a README fleet: a drain step left four hosts unknown when the console's
terminal closed, then the incident was aborted; the summary read 'The version-rollback
strategy ran on 4 hosts (4 unknown)'). What the hosts' last step did is not the strategy's:
with no strategy step run it says the strategy was chosen and ran on none. Real OpenSSH
sshd, the CLI's export."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.engine.session import Engine
from console.model.loading import load_settings
from console.model.outcome import Outcome
from console.model.triggers import TriggerKind
from tests.cli_fleet import write_fleet
from tests.test_cli_run_sshd import PROCEDURE, STRATEGIES

pytestmark = pytest.mark.sshd


async def test_a_command_step_alone_is_not_the_strategy_run(sshd_server, tmp_path: Path) -> None:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["flip"], probes=[])
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.new_incident("checkout errors", incident_id="inc", systems=["app"])
    try:
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout errors")
        conductor.select(["app"])
        conductor.choose_strategy("flip", {})
        conductor.confirm("bridge")
        assert await conductor.run_step("look")  # uptime, on both hosts
        conductor.close(Outcome.NOT_NEEDED, reason="a load test")
    finally:
        await engine.close()
        conductor.recorder.close()
    journal = str(conductor.recorder.path)
    result = fleet.cli("export", journal, "--format", "markdown", "-o", "-")
    assert result.returncode == 0, result.stderr
    summary = result.stdout.split("## Summary", 1)[1].split("\n\n")[1]
    assert "The flip strategy was chosen for 2 hosts; it ran on none." in summary, summary
    assert "strategy ran on" not in summary, summary
