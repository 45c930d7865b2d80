"""Commands on the jump host: output in lines (a character split across reads stays
whole), a classified result, and a timeout or an abort that ends the whole group."""

from __future__ import annotations

import asyncio
from pathlib import Path

from console.engine.command_result import command_result
from console.engine.failures import NOT_SENT, ExecResult
from console.engine.file_room import PROCESS_FILES, FileRoom
from console.engine.local import LocalProcesses
from console.model.state import FailureClass


def _alive(pid: int) -> bool:
    """Running: a zombie has ended (it waits only for its new parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


async def test_output_lines_and_exit_status(tmp_path):
    lines: list[tuple[str, str]] = []
    local = LocalProcesses(tmp_path)
    script = "pwd; printf 'caf\\303'; sleep 0.1; printf '\\251\\nend'; echo oops >&2; exit 3"
    result = await local.execute(script, 10, lambda s, ls: lines.extend((s, x) for x in ls), "h")
    assert result == ExecResult(FailureClass.NONZERO_EXIT, "exit status 3", exit_status=3)
    assert [x for s, x in lines if s == "stdout"] == [str(tmp_path), "café", "end"]
    assert ("stderr", "oops") in lines


async def test_a_timeout_ends_the_command_and_everything_it_started(tmp_path):
    local = LocalProcesses(tmp_path)
    pid_file = tmp_path / "child"
    result = await local.execute(
        f"sleep 60 & echo $! > {pid_file}; wait", 1.0, lambda *a: None, "h"
    )
    assert result.failure is FailureClass.TIMEOUT
    assert not _alive(int(pid_file.read_text()))


async def test_stop_by_handle(tmp_path):
    local = LocalProcesses(tmp_path)
    running = asyncio.ensure_future(local.execute("sleep 60", 60, lambda *a: None, "h"))
    for _ in range(200):
        if local._running:
            break
        await asyncio.sleep(0.01)
    await local.stop(["h"])
    result = await asyncio.wait_for(running, 10)
    assert result.failure is FailureClass.SIGNAL and result.signal == "TERM"


async def test_a_stop_while_the_process_is_being_started_stops_it(tmp_path):
    """The abort comes while /bin/sh is forked but not yet known by its handle (the loop
    still connecting its pipes): it is stopped as soon as it is, not left to run on."""
    local = LocalProcesses(tmp_path)
    running = asyncio.ensure_future(local.execute("sleep 60", 60, lambda *a: None, "h"))
    await asyncio.sleep(0)  # the task runs into create_subprocess_exec and waits there
    assert not local._running  # the window: started, not yet findable
    await local.stop(["h"])
    result = await asyncio.wait_for(running, 10)
    assert result.failure is FailureClass.SIGNAL and result.signal == "TERM"


async def test_a_command_waiting_its_turn_for_open_files_is_not_started_once_stopped(tmp_path):
    """Room for one command at once: the second waits its turn; an abort meanwhile (its
    `cut` says so) starts nothing, and where connections hold every file left and no
    command runs to free one, it is not started, saying why."""
    files = FileRoom()
    files.size = 2 * PROCESS_FILES  # half of it: one command's pipes
    local, stopped = LocalProcesses(tmp_path, files), []
    first = asyncio.ensure_future(local.execute("sleep 60", 60, lambda *a: None, "h1"))
    second = asyncio.ensure_future(
        local.execute("touch second", 60, lambda *a: None, "h2", lambda: "h2" in stopped)
    )
    for _ in range(1000):  # up to 10 s: /bin/sh started
        if local._running:
            break
        await asyncio.sleep(0.01)
    stopped.append("h2")
    await local.stop(["h2"])
    assert await asyncio.wait_for(second, 10) == NOT_SENT
    assert not (tmp_path / "second").exists() and not first.done()
    await local.stop(["h1"])
    assert (await asyncio.wait_for(first, 10)).signal == "TERM"
    files.connections = lambda: files.size  # connections hold every file
    refused = await local.execute("touch third", 60, lambda *a: None, "h3")
    assert refused.detail is not None and refused.detail.startswith(
        "not started: this process's open files ran out on this jump host (ulimit -n "
    ), refused.detail
    assert not (tmp_path / "third").exists()


def test_an_abort_before_a_command_on_the_jump_host_started_reaches_no_host() -> None:
    """A command on the jump host aborted while it waited its turn for open files read
    'nothing sent (its host was still being reached)': no host is reached for it."""
    aborted = "interrupted by SIGTERM"
    here = command_result(NOT_SENT, {}, "action", False, aborted, 0.0, ("x", "x"), here=True)
    assert here.detail == f"aborted: {aborted}; nothing sent (not started on the jump host)"
    there = command_result(NOT_SENT, {}, "action", False, aborted, 0.0, ("x", "x"))
    assert there.detail == f"aborted: {aborted}; nothing sent (its host was still being reached)"
