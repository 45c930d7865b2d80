"""A step undone, then run again, changes its hosts again: what it leaves changed is said.

The close's toast and the line printed at quit (left_changed) left out every host whose
undo had once succeeded, even once the step ran there again: a toggle-off undone, then run
again and failed on app-2 (its flags file could not be written), named nothing left
changed, where app-1's flag was off again and app-2 may have been changed. The undo of the
step itself (plan_undo, undone_hosts) already told an undo before the step's last run there
from one after it: the close now reads it so too. Real sshd, a real conductor."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.engine.plan import plan_undo
from console.engine.session import Engine
from console.model.left_changed import left_changed
from console.model.loading import load_settings
from console.model.status import FailureClass, HostStatus
from tests import sshd as sshd_mod
from tests.cli_fleet import Fleet, flag_fleet, flag_incident
from tests.test_close_after_rerun import PROBE, PROCEDURE, STRATEGIES
from tests.test_undo_again_sshd import read_only

pytestmark = pytest.mark.sshd


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE}
    return flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n", [PROBE])


def flags(fleet: Fleet) -> dict[str, str]:
    return {h: (s / "flags").read_text().strip() for h, s in fleet.sandboxes.items()}


def said_and_undone(conductor, starts: str, undone: list[str]) -> None:
    """The close's line on the step starts with `starts`, and its undo goes to `undone`."""
    said = left_changed(conductor.state, conductor.settings, "inc")
    assert len(said) == 1 and said[0].startswith(starts), said
    step = conductor.settings.procedure.step("restore")
    planned = plan_undo(conductor.settings, conductor.state, step, None, conductor.secrets)
    assert [t.name for t in planned.targets] == undone


async def test_a_step_run_again_after_its_undo_is_said_changed_again(fleet: Fleet) -> None:
    async with flag_incident(fleet) as conductor:
        assert await conductor.run_step("restore")
        assert await conductor.undo("restore")
        assert flags(fleet) == {"app-1": "new_checkout=100", "app-2": "new_checkout=100"}
        assert left_changed(conductor.state, conductor.settings, "inc") == []

        with read_only(fleet.sandboxes["app-2"]):  # its flags file cannot be replaced there
            assert not await conductor.run_step("restore")
        assert flags(fleet)["app-1"] == "new_checkout=0"  # changed again

        said_and_undone(  # the undo goes where the close says, as it did already
            conductor,
            "“Restore” changed app-1 (succeeded there; the step failed), and may have"
            " changed app-2 (its action failed there): to put them back, ",
            ["app-1", "app-2"],
        )


async def test_a_host_put_back_then_not_reached_again_is_not_said_changed(
    sshd_server, tmp_path: Path
) -> None:
    """The step run again after its undo, app-2 down (connection refused): nothing was
    sent there since its undo put it back, so it is not one the step may have changed,
    and its undo goes to app-1 alone (it read "may have changed app-2 (its action failed
    there)", the undo planned there a second time: its earlier command counted as one
    that may have reached it)."""
    fleet = flag_fleet(
        sshd_server,
        tmp_path,
        {"strategies.toml": STRATEGIES, "procedure.toml": PROCEDURE},
        ["off"],
        "new_checkout=100\n",
        [PROBE],
    )
    second = sshd_mod.start_sshd(
        tmp_path / "second", sshd_server.account, authorized_keys=[sshd_server.client_public_key]
    )
    try:
        inventory_file = fleet.config / "inventory.toml"
        inventory = tomllib.loads(inventory_file.read_text())
        known = sshd_mod.write_known_hosts(tmp_path / "known", [sshd_server.server, second])
        inventory["ssh"]["known_hosts"] = str(known)
        inventory["systems"][0]["hosts"][1]["port"] = second.port  # app-2, on its own sshd
        inventory_file.write_text(tomli_w.dumps(inventory))
        async with flag_incident(fleet) as conductor:
            assert await conductor.run_step("restore")
            assert await conductor.undo("restore")
            journal = conductor.recorder.path
        assert flags(fleet) == {"app-1": "new_checkout=100", "app-2": "new_checkout=100"}
    finally:
        second.stop()  # app-2 down

    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.resume(journal)
    try:
        assert not await conductor.run_step("restore")
        app_2 = conductor.state.step("restore").hosts["app-2"]
        assert app_2.failure is FailureClass.REFUSED, app_2
        assert flags(fleet) == {"app-1": "new_checkout=0", "app-2": "new_checkout=100"}
        said_and_undone(
            conductor,
            "“Restore” changed app-1 (succeeded there; the step failed): to put it back, ",
            ["app-1"],
        )
    finally:
        await engine.close()
        conductor.recorder.close()


async def test_a_host_put_back_then_not_started_again_is_not_said_changed(
    sshd_server, tmp_path: Path
) -> None:
    """The step run again after its undo, halted after its canary failed: app-2, put back
    by the undo, was not started (its wave never came), so nothing of the step's is there
    to undo; it read changed, and its undo was planned there again (its 'not started'
    counted as the step's last run there)."""
    [off] = STRATEGIES["strategies"]
    waved = {"strategies": [{**off, "waves": {"sizes": [1, "100%"]}, "max_fail_percentage": 0}]}
    files = {"strategies.toml": waved, "procedure.toml": PROCEDURE}
    fleet = flag_fleet(sshd_server, tmp_path, files, ["off"], "new_checkout=100\n", [PROBE])
    async with flag_incident(fleet) as conductor:
        assert await conductor.run_step("restore")
        assert await conductor.undo("restore")
        with read_only(fleet.sandboxes["app-1"]):  # the canary fails: the run halts
            assert not await conductor.run_step("restore")
        hosts = conductor.state.step("restore").hosts
        assert hosts["app-2"].status is HostStatus.NOT_STARTED, hosts["app-2"]
        assert flags(fleet)["app-2"] == "new_checkout=100"

        said_and_undone(
            conductor,
            "“Restore” may have changed app-1 (its action failed there): to put it back, ",
            ["app-1"],
        )
