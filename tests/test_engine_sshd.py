"""The engine against a real OpenSSH sshd on loopback: a real version rollback."""

import asyncio
import json
import os

import pytest
from asyncssh.channel import SSHClientChannel

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
    stages = [(e.where.host, e.data.stage) for e in events if e.kind == Kind.COMMAND_INTENT]
    assert sorted(stages) == sorted(
        (h, s) for h in sandboxes for s in ("precheck", "action", "verify")
    )
    output = [line for e in events if e.kind == Kind.COMMAND_OUTPUT for line in e.data.lines]
    assert output.count("rolled back: 2.4.1 -> 2.4.0") == 2
    assert all(
        r.status is HostStatus.SUCCEEDED for r in recorder.state.steps["restore"].hosts.values()
    )
    # one connection per host for the whole step, reused by its three stages
    assert sshd_server.server.accepted_connections() == 2


def observe_durability(journal, monkeypatch, kinds=(Kind.COMMAND_INTENT,)) -> list:
    """Every fsync of `journal` and every command sent (the SSH `exec` request), in the
    order they happen: ("synced", lines of `kinds` then on disk) or ("sent", 0)."""
    order: list[tuple[str, int]] = []

    def written() -> int:
        lines = journal.read_bytes().splitlines() if journal.exists() else []
        return sum(1 for line in lines if json.loads(line)["kind"] in kinds)

    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        is_journal = journal.exists() and os.fstat(fd).st_ino == journal.stat().st_ino
        covered = written() if is_journal else 0
        real_fsync(fd)
        if is_journal:
            order.append(("synced", covered))

    real_request = SSHClientChannel._make_request

    async def make_request(self, request, *args):
        if request == b"exec":
            order.append(("sent", 0))
        return await real_request(self, request, *args)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(SSHClientChannel, "_make_request", make_request)
    return order


def durable_when_sent(order: list) -> list[int]:
    """For each command sent, how many observed lines an fsync had covered by then."""
    durable, found = 0, []
    for what, covered in order:
        if what == "synced":
            durable = max(durable, covered)
        else:
            found.append(durable)
    return found


async def test_each_intent_is_fsynced_before_its_command_is_sent(
    sshd_server, tmp_path, monkeypatch
):
    """The write-ahead promise, observed: every fsync of the journal and every command
    sent (the SSH `exec` request) in the order they happen. The k-th command may go out
    only once an fsync has covered at least k intents."""
    settings, _ = sshd_settings(sshd_server, {"web-1": "web", "web-2": "web"})
    recorder = recorder_in(tmp_path / "incident")
    order = observe_durability(recorder.path, monkeypatch)
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    try:
        conductor.open_incident("durability", "inc-wal")
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "x")
        conductor.select(["web"])
        conductor.choose_strategy("version-rollback")
        assert await conductor.run_step("restore")
    finally:
        await conductor.shutdown()
        recorder.close()
    durable = durable_when_sent(order)
    intents = [e for e in read_journal(recorder.path).events if e.kind == Kind.COMMAND_INTENT]
    assert len(durable) == len(intents) == 6  # 2 hosts x precheck, action, verify
    for sends, covered in enumerate(durable, 1):
        assert sends <= covered, f"command {sends} sent with {covered} intent(s) on disk"


async def test_an_adhoc_command_is_sent_once_its_start_and_intent_are_on_disk(
    sshd_server, tmp_path, monkeypatch
):
    """`exec` (an ad-hoc command) records its step's start without an fsync of its own,
    as a procedure step does: the first intents' group commit makes both durable before
    the command goes out."""
    settings, _ = sshd_settings(sshd_server, {"web-1": "web", "web-2": "web"})
    recorder = recorder_in(tmp_path / "incident")
    order = observe_durability(
        recorder.path, monkeypatch, kinds=(Kind.STEP_STARTED, Kind.COMMAND_INTENT)
    )
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    try:
        conductor.open_incident("durability", "inc-adhoc")
        assert await conductor.run_adhoc("true", ["web-1", "web-2"])
    finally:
        await conductor.shutdown()
        recorder.close()
    durable = durable_when_sent(order)
    assert len(durable) == 2
    for sends, covered in enumerate(durable, 1):
        # the step's start and at least `sends` intents
        assert covered >= 1 + sends, f"command {sends} sent with {covered} line(s) on disk"


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
async def test_output_is_recorded_line_by_line_however_it_arrives(sshd_server, tmp_path, threaded):
    """A line split over packets, stderr between, bytes that are not UTF-8, and a last
    line without its newline: each stream's lines, in order, as the host wrote them."""
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    recorder = recorder_in(tmp_path / "incident")
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh, threaded))
    script = (
        "printf 'one\\ntw'; sleep 0.2; printf 'o\\n'; echo err-1 >&2; sleep 0.2;"
        " printf 'caf\\303'; sleep 0.2; printf '\\251 \\377\\nlast'; printf 'err-2' >&2; exit 3"
    )
    try:
        await conductor.run_adhoc(script, ["web-1"])
    finally:
        await conductor.shutdown()
        recorder.close()
    events = read_journal(recorder.path).events
    lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
    for event in events:
        if event.kind == Kind.COMMAND_OUTPUT:
            lines[event.data.stream] += event.data.lines
    assert lines == {"stdout": ["one", "two", "café \ufffd", "last"], "stderr": ["err-1", "err-2"]}
    (result,) = [e.data for e in events if e.kind == Kind.COMMAND_RESULT]
    assert result.exit_status == 3
    assert result.output_lines == 6


WAIT_ROUNDS = 400  # 20 s at 0.05 s: far longer than a batch is held


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
async def test_a_line_is_recorded_while_its_command_still_runs(sshd_server, tmp_path, threaded):
    """Two lines at once, then a command that waits: both are in the journal (and so on
    every screen and follower) before it ends, not held until the next line or its end
    (a restore that prints, then unpacks for an hour; a console killed meanwhile)."""
    settings, sandboxes = sshd_settings(sshd_server, {"web-1": "web"})
    stop = sandboxes["web-1"] / "stop"
    recorder = recorder_in(tmp_path / "incident")
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh, threaded))
    seen: list[str] = []
    recorder.subscribe(
        lambda event: seen.extend(event.data.lines) if event.kind == Kind.COMMAND_OUTPUT else None
    )
    script = f"echo first; echo second; i=0; while [ ! -e {stop} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo third"
    try:
        # The connection is open already, as for a strategy's later stages: the first
        # lines come within a batch's time of the command's start.
        assert await conductor.run_adhoc("true", ["web-1"])
        task = asyncio.create_task(conductor.run_adhoc(script, ["web-1"]))
        for _ in range(WAIT_ROUNDS):
            if seen == ["first", "second"] or task.done():
                break
            await asyncio.sleep(0.05)
        recorded_while_running = list(seen)
        stop.touch()
        await task
    finally:
        await conductor.shutdown()
        recorder.close()
    assert recorded_while_running == ["first", "second"]
    assert seen == ["first", "second", "third"]


async def test_an_adhoc_commands_title_says_where_it_was_cut(sshd_server, tmp_path):
    """Seen in the document of a real sshd incident: "Ad-hoc: for f in releases/*/error-rate;
    do printf '%s %s\\n' "$f" "$(", the typed command cut at 60 characters with nothing
    saying so, read as if it were the command. Cut, the title ends in "…"; the command
    sent, and recorded, is whole."""
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    recorder = recorder_in(tmp_path / "incident")
    conductor = Conductor(settings, recorder, SshPool(settings.inventory.ssh))
    typed = 'for f in a b c; do printf \'%s %s\\n\' "$f" "$(echo long)"; done; echo end-of-it'
    try:
        conductor.open_incident("titles", "inc-titles")
        assert await conductor.run_adhoc(typed, ["web-1"])
        assert await conductor.run_adhoc("true\necho second line", ["web-1"])
        assert await conductor.run_adhoc("true", ["web-1"])
    finally:
        await conductor.shutdown()
        recorder.close()
    events = read_journal(recorder.path).events
    titles = [e.data.title for e in events if e.kind == Kind.STEP_STARTED]
    assert titles == [f"Ad-hoc: {typed[:59]}…", "Ad-hoc: true …", "Ad-hoc: true"], titles
    [sent, *_] = [e for e in events if e.kind == Kind.COMMAND_INTENT]
    assert typed in sent.data.command
