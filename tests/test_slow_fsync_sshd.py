"""A slow fsync holds back no host's output. Seen with the journal's group-commit fsync
slowed to 1 s (a journal on a slow disk): while another host's intent was being made
durable, a host streaming its output showed nothing for as long as the fsync took, on the
screen and headless alike (the recorder told what it wrote only once the fsync ended).
Its output is now told once the fsync has run SLOW_FSYNC; the command whose intent the
fsync covers is still sent only after it (write-ahead). Real sshd, two hosts."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from tests.cli_fleet import checklist, write_fleet

pytestmark = pytest.mark.sshd

BOUND = 20.0  # seconds: every wait below is for a fact, bounded by this
# Each host waits (bounded) for a file the test writes: app-1 prints `one`, then `two`
# once `release` is there; app-2 ends its action once `go` is there.
WAIT = "i=0; while [ ! -e {} ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done"
STREAM = {
    "name": "stream",
    "kind": "custom",
    "commands": {
        "action": (
            f"if [ -e streams ]; then echo one; {WAIT.format('release')}; echo two;"
            f" else {WAIT.format('go')}; fi"
        ),
        "verify": "touch verified",
    },
}


async def until(condition, what: str) -> None:
    for _ in range(int(BOUND / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {BOUND} s: {what}")


async def test_output_is_told_while_another_hosts_intent_is_fsyncd(sshd_server, tmp_path: Path):
    restore = {"id": "restore", "title": "Restore", "kind": "strategy"}
    files = {"strategies.toml": {"strategies": [STREAM]}, "procedure.toml": checklist(restore)}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["stream"], probes=[])
    app1, app2 = fleet.sandboxes["app-1"], fleet.sandboxes["app-2"]
    (app1 / "streams").write_text("")
    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.new_incident("slow disk", systems=["app"])
    recorder = conductor.recorder
    # The group commit's fsync, held once armed until released: a disk as slow as needed.
    armed, entered, released = threading.Event(), threading.Event(), threading.Event()
    held_ended = threading.Event()
    real = recorder.writer.fsync

    def fsync() -> None:
        if not armed.is_set():
            return real()
        armed.clear()
        entered.set()
        released.wait(3 * BOUND)  # longer than any wait for what it holds back
        real()
        held_ended.set()

    recorder.writer.fsync = fsync
    heard: list[str] = []
    recorder.subscribe(
        lambda e: (
            heard.extend(e.data.lines)
            if e.kind == Kind.COMMAND_OUTPUT and e.where.host == "app-1"
            else None
        )
    )
    try:
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout broken")
        conductor.select(["app"])
        conductor.choose_strategy("stream", {})
        conductor.confirm("bridge")
        step = asyncio.create_task(conductor.run_step("restore"))
        await until(lambda: "one" in heard, "app-1 printed one")
        armed.set()
        (app2 / "go").write_text("")  # app-2's action ends: its verify's intent is fsync'd
        await until(entered.is_set, "app-2's verify intent reached the fsync")
        (app1 / "release").write_text("")  # app-1 prints `two` while that fsync runs

        await until(lambda: "two" in heard, "app-1's `two` told while the fsync runs")

        assert not held_ended.is_set() and not (app2 / "verified").exists()  # write-ahead
        released.set()
        assert await asyncio.wait_for(step, BOUND)
        assert (app2 / "verified").exists()
    finally:
        released.set()
        await engine.close()
        recorder.close()
