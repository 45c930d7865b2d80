"""The running commands' limits under one shared timer (remote.Deadlines), on a real
in-process asyncssh server: each command that never ends is stopped at its own limit,
whatever the others' limits; one that ends in time is not; and the exit's limit runs
from the output's end."""

import asyncio
from pathlib import Path

import asyncssh
import pytest

from console.engine.ssh import SshPool
from console.engine.targets import Target
from console.model.inventory import SshDefaults
from console.model.status import FailureClass

BOUND = 60  # seconds: every wait here is bounded, far above the limits tested


async def _process(process: asyncssh.SSHServerProcess) -> None:
    """`hang`: until a signal; `quick`: exit 0; `late-exit`: its output ends after 1 s
    (EOF), its exit comes 2.5 s later."""
    if process.command == "quick":
        process.exit(0)
    elif process.command == "late-exit":
        await asyncio.sleep(1)
        process.stdout.write("done\n")
        process.stdout.write_eof()
        await asyncio.sleep(2.5)
        process.exit(0)
    else:
        try:
            await process.stdin.read()  # the client keeps stdin open: a signal ends this
        except asyncssh.SignalReceived as signal:
            process.exit_with_signal(signal.signal)
            return
        process.exit(0)


class _Server(asyncssh.SSHServer):
    def begin_auth(self, username: str) -> bool:
        return False  # no authentication needed


@pytest.fixture
async def pool(tmp_path: Path):
    key = asyncssh.generate_private_key("ssh-ed25519")
    server = await asyncssh.create_server(
        _Server, "127.0.0.1", 0, server_host_keys=[key], process_factory=_process
    )
    port = server.sockets[0].getsockname()[1]
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {key.export_public_key().decode()}")
    defaults = SshDefaults(user="nobody", known_hosts=str(known), use_ssh_config=False)
    pool = SshPool(defaults)
    try:
        yield pool, port
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()


def _target(port: int, name: str) -> Target:
    return Target(name, "s", "127.0.0.1", port, "nobody")


async def test_each_command_that_never_ends_is_stopped_at_its_own_limit(pool) -> None:
    pool, port = pool
    lines: list[tuple[str, list[str]]] = []
    runs = [("h1", "hang", 0.5), ("h2", "hang", 1.5), ("h3", "quick", 0.5), ("h4", "hang", 1.0)]
    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                pool.execute(_target(port, h), c, limit, lambda *a: lines.append(a), h)
                for h, c, limit in runs
            )
        ),
        BOUND,
    )
    assert [r.failure for r in results] == [
        FailureClass.TIMEOUT,
        FailureClass.TIMEOUT,
        None,
        FailureClass.TIMEOUT,
    ]
    assert [r.detail for r in results if r.failure] == [
        f"no exit within {limit:g} s; TERM sent, then KILL if needed"
        for _, c, limit in runs
        if c == "hang"
    ]
    assert results[2].exit_status == 0
    # The shared timer is armed again for the commands that come after.
    again = await asyncio.wait_for(
        pool.execute(_target(port, "h1"), "hang", 0.5, lambda *a: None, "h1"), BOUND
    )
    assert again.failure is FailureClass.TIMEOUT


async def test_the_exit_limit_runs_from_the_output_end(pool) -> None:
    """Output ended 1 s in, exit 2.5 s after that: past the 3 s limit from the start, but
    within 3 s of the output's end: in time. With a 2 s limit it is late."""
    pool, port = pool
    lines: list[tuple[str, list[str]]] = []
    in_time = await asyncio.wait_for(
        pool.execute(_target(port, "h1"), "late-exit", 3.0, lambda *a: lines.append(a), "h1"),
        BOUND,
    )
    assert (in_time.failure, in_time.exit_status) == (None, 0)
    assert lines == [("stdout", ["done"])]
    late = await asyncio.wait_for(
        pool.execute(_target(port, "h2"), "late-exit", 2.0, lambda *a: None, "h2"), BOUND
    )
    assert late.failure is FailureClass.TIMEOUT


class _Told:
    """What `Deadlines` tells: a command's limit was reached."""

    def __init__(self) -> None:
        self.told = asyncio.Event()

    def on_time(self) -> None:
        self.told.set()


async def test_a_shorter_limit_added_after_a_longer_one_is_kept() -> None:
    from console.engine.remote import Deadlines

    deadlines = Deadlines()
    loop = asyncio.get_running_loop()
    late, early = _Told(), _Told()
    deadlines.add(late, loop.time() + 3600)
    deadlines.add(early, loop.time() + 0.1)
    await asyncio.wait_for(early.told.wait(), BOUND)
    assert not late.told.is_set()
    deadlines.remove(late)
