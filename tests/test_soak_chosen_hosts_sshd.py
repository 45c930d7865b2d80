"""A host down for maintenance, left out of the incident (`run --hosts`, or unticked in the
picker): the stability check still read it, 'app-4: connection refused', round after round,
and the rollback of every host chosen ended NOT VERIFIED (helper-125 on a README fleet of
7 sshd hosts). A probe that reads each host reads the hosts the incident chose; one that
reads the whole system at once is read whole. Real OpenSSH sshd."""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from tests.test_needed_nothing_sshd import fleet, run  # noqa: F401

pytestmark = pytest.mark.sshd


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_host_left_out_of_the_incident_holds_no_stability_check(fleet, tmp_path: Path):  # noqa: F811
    inventory = fleet.config / "inventory.toml"
    written = tomllib.loads(inventory.read_text())
    [down] = [h for h in written["systems"][0]["hosts"] if h["name"] == "app-4"]
    down["port"] = _closed_port()  # its sshd is down: connection refused
    inventory.write_text(tomli_w.dumps(written))

    done = run(fleet, tmp_path / "inc", "app-1", "app-2", "app-3")

    assert done.returncode == 0, done.stdout + done.stderr
    events = read_journal(tmp_path / "inc" / "journal.jsonl").events
    rounds = [e.data for e in events if e.kind == Kind.SOAK_PROGRESS]
    assert rounds[-1].status == "passed", rounds[-1]
    samples = [e.data for e in events if e.kind == Kind.PROBE_SAMPLE]
    assert samples and all(set(s.hosts) == {"app-1", "app-2", "app-3"} for s in samples)


async def test_a_soak_inconclusive_for_an_unreachable_host_says_so(fleet, tmp_path: Path):  # noqa: F811
    """Walked on 200 sshd hosts, one stopped: each soak round read `79/79 ok  inconclusive`
    (every host that answered was ok, so why inconclusive?). It says how many hosts did
    not answer and why now: `3/4 ok · 1 unreachable`, in the round's lines as in the
    probe tables (the same words)."""
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.model.loading import load_settings
    from console.model.triggers import TriggerKind
    from console.ui.widgets.run_summary import soak_round_lines, soak_text
    from tests.events_factory import recorder_in
    from tests.test_steps_sshd import close

    inventory = fleet.config / "inventory.toml"
    written = tomllib.loads(inventory.read_text())
    [down] = [h for h in written["systems"][0]["hosts"] if h["name"] == "app-4"]
    down["port"] = _closed_port()  # its sshd is down: connection refused
    inventory.write_text(tomli_w.dumps(written))
    settings = load_settings(fleet.config)
    conductor = Conductor(settings, recorder_in(tmp_path / "inc"), SshPool(settings.inventory.ssh))
    conductor.open_incident("soak", "inc-soak")
    conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout errors")
    try:
        conductor.select(["app"])
        assert not await conductor.run_step("verify")
    finally:
        await close(conductor)
    events = read_journal(tmp_path / "inc" / "journal.jsonl").events
    rounds = [e.data for e in events if e.kind == Kind.SOAK_PROGRESS and e.data.round]
    assert rounds
    for data in rounds:
        probe = data.probes["app/health"]
        assert (probe["shown"], probe["state"]) == ("3/4 ok · 1 unreachable", "inconclusive")
        assert "  app/health = 3/4 ok · 1 unreachable  inconclusive" in soak_round_lines(data)
    # and the soak's own line says why it never passed (it read "✘ failed · 0/2 healthy")
    said = soak_text(vars(rounds[-1])).plain
    assert said.startswith("✘ failed · inconclusive: 1 unreachable · 0/2 healthy"), said
