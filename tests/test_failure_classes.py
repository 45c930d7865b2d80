"""Each of the nine failure classes, provoked on in-process asyncssh hosts, read from events."""

import asyncio
import socket

import pytest

from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.settings import Settings
from console.model.state import FailureClass, HostStatus
from console.paths import demo_config
from tests.events_factory import recorder_in


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _with(settings: Settings, host: str, **changes) -> Settings:
    data = settings.dumped()
    for system in data["inventory"]["systems"]:
        for entry in system["hosts"]:
            if entry["name"] == host:
                entry.update(changes)
    return Settings.validated(data)


@pytest.fixture(params=[False, True], ids=["inline", "threaded"])
def threaded(request) -> bool:
    """SSH I/O on the test's loop (headless), or on a loop of its own (the TUI)."""
    return request.param


async def _adhoc(settings: Settings, tmp_path, command: str, hosts: list[str], threaded: bool):
    recorder = recorder_in(tmp_path / "incident")
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh, threaded))
    try:
        await conductor.run_adhoc(command, hosts)
    finally:
        await conductor.shutdown()
        recorder.close()
    results = [e for e in recorder.events if e.kind == Kind.COMMAND_RESULT]
    return {e.where.host: e.data.dump() for e in results}, recorder.state


CASES = {
    FailureClass.UNREACHABLE: (FaultKind.UNREACHABLE, "true"),
    FailureClass.AUTH: (FaultKind.REFUSE_AUTH, "true"),
    FailureClass.HOSTKEY_MISMATCH: (FaultKind.WRONG_HOSTKEY, "true"),
    FailureClass.TIMEOUT: (FaultKind.HANG, "true"),
    FailureClass.CONNECTION_LOST: (FaultKind.DROP, "echo first; sleep 0.2; echo second"),
    FailureClass.NONZERO_EXIT: (FaultKind.FAIL, "true"),
}


@pytest.mark.parametrize("failure", list(CASES), ids=lambda f: f.value)
async def test_injected_fault_is_its_own_failure_class(failure, tmp_path, threaded):
    fault, command = CASES[failure]
    base = load_settings(demo_config())
    data = base.dumped()
    data["inventory"]["ssh"]["command_timeout"] = 1.0 if fault is FaultKind.HANG else 20.0
    async with DemoFleet(Settings.validated(data), [Fault(fault, "web-2")]) as fleet:
        results, state = await _adhoc(
            fleet.settings, tmp_path, command, ["web-1", "web-2"], threaded
        )
    assert results["web-1"].get("failure") is None
    assert results["web-2"]["failure"] == failure.value
    # A connection lost while the command ran: it may have done its work, or part of it.
    lost = failure is FailureClass.CONNECTION_LOST
    status = HostStatus.UNKNOWN if lost else HostStatus.FAILED
    assert state.steps["adhoc-1"].hosts["web-2"].status is status
    assert state.steps["adhoc-1"].hosts["web-2"].failure is failure
    if failure is FailureClass.HOSTKEY_MISMATCH:
        assert results["web-2"]["fingerprint"].startswith("SHA256:")
        assert "refused" in results["web-2"]["detail"]


async def test_connection_refused(tmp_path, threaded):
    async with DemoFleet(load_settings(demo_config())) as fleet:
        settings = _with(fleet.settings, "web-3", port=_closed_port())
        results, _ = await _adhoc(settings, tmp_path, "true", ["web-3"], threaded)
    assert results["web-3"]["failure"] == FailureClass.REFUSED.value


async def test_unknown_host_key_shows_its_fingerprint_and_can_be_accepted(tmp_path, threaded):
    async with DemoFleet(load_settings(demo_config())) as fleet:
        port = fleet.settings.inventory.host("web-1").port
        known = fleet.root / "known_hosts"
        lines = known.read_text().splitlines()
        known.write_text(
            "\n".join(ln for ln in lines if not ln.startswith(f"[127.0.0.1]:{port} ")) + "\n"
        )
        results, _ = await _adhoc(fleet.settings, tmp_path, "true", ["web-1"], threaded)
        assert results["web-1"]["failure"] == FailureClass.HOSTKEY_UNKNOWN.value
        fingerprint = results["web-1"]["fingerprint"]
        assert fingerprint.startswith("SHA256:") and fingerprint in results["web-1"]["detail"]

        recorder = recorder_in(tmp_path / "accept")
        conductor = Conductor(
            fleet.settings, recorder, SshPool(fleet.settings.inventory.ssh, threaded)
        )
        try:
            await conductor.accept_host_key("web-1", fingerprint)
            assert await conductor.run_adhoc("true", ["web-1"])
        finally:
            await conductor.shutdown()
        accepted = [e for e in recorder.events if e.kind == Kind.HOSTKEY_ACCEPTED]
        assert accepted[0].data.fingerprint == fingerprint
        assert accepted[0].who.user == "commander"
        assert f"[127.0.0.1]:{port} ssh-ed25519" in known.read_text()


async def test_a_mismatched_key_can_never_be_accepted(tmp_path, threaded):
    from console.engine.conductor import ProcedureError

    faults = [Fault(FaultKind.WRONG_HOSTKEY, "web-1")]
    async with DemoFleet(load_settings(demo_config()), faults) as fleet:
        recorder = recorder_in(tmp_path / "accept")
        conductor = Conductor(
            fleet.settings, recorder, SshPool(fleet.settings.inventory.ssh, threaded)
        )
        try:
            with pytest.raises(ProcedureError, match="refused"):
                await conductor.accept_host_key("web-1", "SHA256:anything")
        finally:
            await conductor.shutdown()
        assert not any(e.kind == Kind.HOSTKEY_ACCEPTED for e in recorder.events)


async def test_killed_by_signal(tmp_path, threaded):
    async with DemoFleet(load_settings(demo_config())) as fleet:
        results, _ = await _adhoc(fleet.settings, tmp_path, "kill -KILL $$", ["web-1"], threaded)
    assert results["web-1"]["failure"] == FailureClass.SIGNAL.value
    assert results["web-1"]["signal"] == "KILL"


async def test_a_host_dialled_ahead_is_tried_once_and_its_failure_reported_once(tmp_path, threaded):
    """Each wave's hosts are dialled before their intents are written; the command then
    uses that attempt: a host that hangs up costs one attempt, not one more per waiter."""
    attempts = 0

    async def hang_up(reader, writer):
        nonlocal attempts
        attempts += 1
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with DemoFleet(load_settings(demo_config())) as fleet:
            settings = _with(fleet.settings, "web-3", port=port)
            recorder = recorder_in(tmp_path / "incident")
            pool = SshPool(settings.inventory.ssh, threaded)
            conductor = Conductor(settings, recorder, pool)
            try:
                assert not await conductor.run_adhoc("true", ["web-1", "web-2", "web-3"])
            finally:
                await conductor.shutdown()
                recorder.close()
    finally:
        server.close()
        await server.wait_closed()
    results = {
        e.where.host: e.data.dump() for e in recorder.events if e.kind == Kind.COMMAND_RESULT
    }
    assert results["web-1"].get("failure") is None and results["web-2"].get("failure") is None
    assert results["web-3"]["failure"] == FailureClass.UNREACHABLE.value
    assert attempts == 1
    assert pool.handshakes_done == 2  # web-1 and web-2: one connection each, used by the command
