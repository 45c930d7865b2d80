"""The engine against a real OpenSSH sshd on loopback: a real version rollback."""

import pytest

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import HostStatus
from console.model.triggers import TriggerKind
from tests.events_factory import recorder_in
from tests.fleet_settings import sshd_settings

pytestmark = pytest.mark.sshd


async def test_version_rollback_switches_the_release_link_over_real_ssh(sshd_server, tmp_path):
    settings, sandboxes = sshd_settings(sshd_server, {"web-1": "web", "web-2": "web"})
    recorder = recorder_in(tmp_path / "incident")
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    try:
        conductor.open_incident("sshd rollback", "inc-sshd")
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout 500s")
        conductor.select(["web"])
        conductor.choose_strategy("version-rollback")
        assert await conductor.run_step("restore")
    finally:
        await conductor.shutdown()
        recorder.close()
    for sandbox in sandboxes.values():
        assert (sandbox / "current").readlink().name == "2.4.0"
        assert (sandbox / "service" / "running").read_text().strip() == "2.4.0"
    events = read_journal(recorder.path).events
    stages = [(e.where.host, e.data["stage"]) for e in events if e.kind == Kind.COMMAND_INTENT]
    assert sorted(stages) == sorted(
        (h, s) for h in sandboxes for s in ("precheck", "action", "verify")
    )
    output = [line for e in events if e.kind == Kind.COMMAND_OUTPUT for line in e.data["lines"]]
    assert output.count("rolled back: 2.4.1 -> 2.4.0") == 2
    assert all(
        r.status is HostStatus.SUCCEEDED for r in recorder.state.steps["restore"].hosts.values()
    )
    # one connection per host for the whole step, reused by its three stages
    assert sshd_server.server.accepted_connections() == 2


async def test_an_intent_is_durable_before_its_command_runs(sshd_server, tmp_path):
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    recorder = recorder_in(tmp_path / "incident")
    seen_on_disk = []

    def check(event):
        if event.kind == Kind.COMMAND_INTENT:
            seen_on_disk.append(read_journal(recorder.path).events[-1].seq == event.seq)

    recorder.subscribe(check)
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    try:
        conductor.open_incident("durability", "inc-wal")
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "x")
        conductor.select(["web"])
        assert await conductor.run_step("assess-state")
    finally:
        await conductor.shutdown()
        recorder.close()
    assert seen_on_disk == [True]
