"""One asyncssh server per demo host on 127.0.0.1, with fresh keys every run."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import shutil
import signal
import socket
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from console.demo.faults import Fault, FaultKind
from console.demo.keys import Key, new_key
from console.model.settings import Settings

if TYPE_CHECKING:
    import asyncssh

DEMO_USER = "responder"
CLIENT_KEY = "client_key"  # files in the fleet's root
KNOWN_HOSTS = "known_hosts"
SLOW_SECONDS = 3.0
STOP_SECONDS = 5.0  # a command's processes, killed, are reaped within it
PREPARE_WORKERS = 8
LISTEN_BACKLOG = 100  # asyncssh's own default
SIGNALS = {
    "TERM": signal.SIGTERM,
    "KILL": signal.SIGKILL,
    "INT": signal.SIGINT,
    "HUP": signal.SIGHUP,
}


class _DemoHost:
    """Runs each SSH command with /bin/sh inside the host's sandbox, faults applied."""

    def __init__(self, name: str, sandbox: Path, faults: set[FaultKind]):
        self.name = name
        self.sandbox = sandbox
        self.faults = faults
        self.running: set[asyncio.Task] = set()  # the commands being answered

    async def handle(self, process: asyncssh.SSHServerProcess) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.running.add(task)
        try:
            await self._answer(process)
        finally:
            self.running.discard(task)

    async def stop(self) -> None:
        """End every command still answered, its processes reaped, before returning: one
        left to the loop's end exits after the loop is closed, and asyncio's child watcher
        then prints a warning on the console's stderr."""
        running = list(self.running)
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running, timeout=STOP_SECONDS)

    async def _answer(self, process: asyncssh.SSHServerProcess) -> None:
        command = process.command or "true"
        if FaultKind.SLOW in self.faults:
            await asyncio.sleep(SLOW_SECONDS)
        if FaultKind.FAIL in self.faults:
            process.stderr.write(f"{self.name}: injected failure\n")
            process.exit(1)
            return
        if FaultKind.HANG in self.faults:
            command = "sleep 3600"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.sandbox),
            "DEMO_HOST": self.name,
            "LC_ALL": "C",
        }
        child = await asyncio.create_subprocess_exec(
            "/bin/sh",
            "-c",
            command,
            cwd=self.sandbox,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
        self._forward_signals(process, child.pid)
        # As sshd does: the channel's stdin is the command's, closed when the channel is
        # (the console's supervisor wrapper stops the command when it sees that EOF).
        feed = asyncio.ensure_future(self._feed(process, child))
        try:
            await asyncio.gather(
                self._pump(child.stdout, process.stdout, process),
                self._pump(child.stderr, process.stderr, process),
            )
            status = await child.wait()
        finally:
            feed.cancel()
            if child.returncode is None:
                _kill_group(child.pid, signal.SIGKILL)
                await child.wait()
        if status < 0:
            process.exit_with_signal(signal.Signals(-status).name.removeprefix("SIG"))
        else:
            process.exit(status)

    @staticmethod
    async def _feed(process: asyncssh.SSHServerProcess, child) -> None:
        with contextlib.suppress(Exception):
            while data := await process.stdin.read(65536):
                child.stdin.write(data.encode())
        with contextlib.suppress(Exception):
            child.stdin.close()

    async def _pump(self, source, sink, process) -> None:
        while line := await source.readline():
            sink.write(line.decode("utf-8", "replace"))
            if FaultKind.DROP in self.faults:
                await sink.drain()
                process.channel.get_connection().abort()
                return

    @staticmethod
    def _forward_signals(process: asyncssh.SSHServerProcess, pid: int) -> None:
        """Signals from the client reach the command's whole process group."""

        def deliver(name: str) -> None:
            if name in SIGNALS:
                _kill_group(pid, SIGNALS[name])

        # asyncssh would queue the signal on stdin, which a command never reads; it has no
        # hook for this, so the process's method is replaced (hence asyncssh's upper bound).
        process.signal_received = deliver  # type: ignore[method-assign, assignment]


def _kill_group(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, number)


# Faults that change how a host answers SSH at all: injected by serving it anew.
SERVING_FAULTS = frozenset({FaultKind.UNREACHABLE, FaultKind.REFUSE_AUTH, FaultKind.WRONG_HOSTKEY})


class _Served:
    """One demo host as it is served: its port, host key, faults and server."""

    def __init__(self, name: str, sandbox: Path, faults: set[FaultKind]):
        self.name, self.sandbox, self.faults = name, sandbox, faults
        self.handler = _DemoHost(name, sandbox, faults)
        self.host_key: Key | None = None  # made by DemoFleet.make_keys
        self.port = 0
        self.bound: socket.socket | None = None
        self.server: asyncio.AbstractServer | asyncssh.SSHAcceptor | None = None
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.silent: set[asyncio.StreamWriter] = set()
        self.tasks: dict[FaultKind, asyncio.Task] = {}
        self.saved_backup: bytes | None = None

    def bind(self) -> None:
        """Take a port now: a client that connects before `serve` waits in the backlog."""
        self.bound = socket.create_server(("127.0.0.1", 0), backlog=LISTEN_BACKLOG)
        self.port = self.bound.getsockname()[1]

    async def serve(self, client_key: str) -> None:
        """Listen on the host's port (the one bound, else the same number again) as its
        faults say, letting in `client_key` (a public key line)."""
        from console.demo.ssh_server import ssh_server

        where: dict = {"host": "127.0.0.1", "port": self.port}
        if self.bound is not None:
            where, self.bound = {"sock": self.bound}, None
        if FaultKind.UNREACHABLE in self.faults:
            server = await asyncio.start_server(self._silent, **where)
            self.server, self.port = server, server.sockets[0].getsockname()[1]
        else:
            refused = FaultKind.REFUSE_AUTH in self.faults
            key = self.host_key
            assert key is not None  # the fleet made its keys before serving
            if FaultKind.WRONG_HOSTKEY in self.faults:
                key = new_key()
            acceptor = await ssh_server(
                where,
                key.private,
                None if refused else client_key,
                self.handler.handle,
                self.connections,
            )
            self.server, self.port = acceptor, acceptor.get_port()

    async def close(self) -> None:
        if self.bound is not None:
            self.bound.close()
            self.bound = None
        if self.server is not None:
            self.server.close()
            for conn in list(self.connections):
                conn.abort()
            await self.handler.stop()
            for writer in list(self.silent):
                writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)
            self.server = None

    async def _silent(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Accepts TCP and never speaks SSH: a host that does not answer."""
        self.silent.add(writer)
        with contextlib.suppress(Exception):
            await reader.read()
        self.silent.discard(writer)
        writer.close()

    def start_faults(self, kinds: set[FaultKind]) -> None:
        """Faults on the host's files: a damaged backup, a flood of logins, lost rows."""
        # The sandboxes' modules (sqlite3 under them) load with the first sandbox, after
        # the console's first frame.
        from console.demo.data import BASE as BACKUP
        from console.demo.sandbox import corrupt_backup, lose_orders, write_breach

        if FaultKind.CORRUPT_BACKUP in kinds and self.saved_backup is None:
            self.saved_backup = (self.sandbox / BACKUP).read_bytes()
            corrupt_backup(self.sandbox)
        for kind, job in ((FaultKind.BREACH, write_breach), (FaultKind.CORRUPT_DATA, lose_orders)):
            if kind in kinds and kind not in self.tasks:
                self.tasks[kind] = asyncio.create_task(job(self.sandbox))

    async def stop_faults(self, kinds: set[FaultKind]) -> None:
        from console.demo.data import BASE as BACKUP

        if FaultKind.CORRUPT_BACKUP in kinds and self.saved_backup is not None:
            (self.sandbox / BACKUP).write_bytes(self.saved_backup)
            self.saved_backup = None
        stopping = [self.tasks.pop(k) for k in list(self.tasks) if k in kinds]
        for task in stopping:
            task.cancel()
        await asyncio.gather(*stopping, return_exceptions=True)


class DemoFleet:
    """Starts the demo hosts of a settings' inventory; `settings` then points at them.
    Faults are given at the start, or injected into the running fleet (a drill) and
    cleared again."""

    def __init__(
        self, settings: Settings, faults: list[Fault] | None = None, root: Path | None = None
    ):
        self.base = settings
        self.faults = list(faults or [])
        self._own_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="rollback-demo-"))
        self.settings: Settings = settings
        self.sandboxes: dict[str, Path] = {}
        self._hosts: dict[str, _Served] = {}
        self._client_key = ""  # the public key line of the console's key
        self._built: list[Path] | None = None

    def prepare(self) -> None:
        """The slow half of `start`, synchronous, run in a thread by `serve`: every host's
        sandbox (files, a database, a shell script), built side by side."""
        from console.demo.sandbox import build_sandbox

        hosts = [(s.name, h.name) for s in self.base.inventory.systems for h in s.hosts]
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with ThreadPoolExecutor(PREPARE_WORKERS, thread_name_prefix="demo-sandbox") as pool:
            built = pool.map(lambda sh: build_sandbox(self.root / "hosts" / sh[1], sh[0]), hosts)
            self._built = list(built)

    async def start(self) -> Settings:
        """Every host served; the settings that point at them."""
        settings = self.bind()
        await self.serve()
        return settings

    def bind(self) -> Settings:
        """The fast half of `start`, before any host is served: each host's port and the
        settings that point at them, their key files to be made by `make_keys` before
        the first connection (the console makes them once it has drawn its first frame,
        before its probes start). A client that connects before `serve` waits in the
        port's backlog."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        systems = []
        for system in self.base.inventory.systems:
            hosts = []
            for host in system.hosts:
                faults = {f.kind for f in self.faults if f.host == host.name}
                served = self._hosts[host.name] = _Served(host.name, self.root, faults)
                served.bind()
                hosts.append({**host.dumped(), "address": "127.0.0.1", "port": served.port})
            systems.append({**system.dumped(), "hosts": hosts})
        ssh = {
            **self.base.inventory.ssh.dumped(),
            "user": DEMO_USER,
            "identity_files": [str(self.root / CLIENT_KEY)],
            "known_hosts": str(self.root / KNOWN_HOSTS),
            "jump_host": None,
            "use_ssh_config": False,
            "connect_timeout": 3.0,
            "login_timeout": 3.0,
        }
        data = self.base.dumped()
        data["inventory"] = {"ssh": ssh, "systems": systems}
        self.settings = Settings.validated(data)
        return self.settings

    def make_keys(self) -> None:
        """The console's key and each host's, and the known_hosts that names the hosts'
        (once: the hosts `bind` took). Before anything connects: a known_hosts read
        without them refuses every host."""
        if self._client_key:
            return
        client_key = new_key()
        key_path = self.root / CLIENT_KEY
        key_path.write_bytes(client_key.private)
        key_path.chmod(0o600)
        known_lines = []
        for served in self._hosts.values():
            served.host_key = new_key()
            known_lines.append(f"[127.0.0.1]:{served.port} {served.host_key.public}")
        (self.root / KNOWN_HOSTS).write_text("\n".join(known_lines) + "\n")
        self._client_key = client_key.public

    async def serve(self, after: asyncio.Event | None = None) -> None:
        """The hosts `bind` took, served once `after` is set (the console's first frame)
        and their sandboxes are built, faults applied. The sandboxes, the SSH servers and
        asyncssh under them are made in threads: the console stays free to answer keys
        meanwhile."""
        if after is not None:
            await after.wait()
        self.make_keys()
        if self._built is None:
            await asyncio.to_thread(self.prepare)
        await asyncio.to_thread(importlib.import_module, "console.demo.ssh_server")
        for served, sandbox in zip(self._hosts.values(), self._built or [], strict=True):
            served.sandbox = served.handler.sandbox = sandbox
            self.sandboxes[served.name] = sandbox
            served.start_faults(served.faults)
            await served.serve(self._client_key)

    async def inject(self, fault: Fault | str) -> None:
        """Put `fault` (or `KIND:HOST`) on its running host: open connections are cut when
        it changes how the host answers SSH (unreachable, refused, another host key)."""
        await self._change(self._fault(fault), add=True)

    async def clear(self, fault: Fault | str) -> None:
        """Take an injected fault away again (a drill's end, on a fleet that stays up)."""
        await self._change(self._fault(fault), add=False)

    def _fault(self, fault: Fault | str) -> Fault:
        if isinstance(fault, Fault):
            return fault
        return Fault.parse(fault, self.settings.inventory.host_names)

    async def _change(self, fault: Fault, add: bool) -> None:
        served = self._hosts[fault.host]
        if add == (fault.kind in served.faults):
            return
        if add:
            served.faults.add(fault.kind)
            self.faults.append(fault)
            served.start_faults({fault.kind})
        else:
            served.faults.discard(fault.kind)
            self.faults = [f for f in self.faults if f != fault]
            await served.stop_faults({fault.kind})
        if fault.kind in SERVING_FAULTS:
            await served.close()
            await served.serve(self._client_key)

    async def stop(self) -> None:
        for served in self._hosts.values():
            await served.stop_faults(set(served.tasks))
        for served in self._hosts.values():
            await served.close()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    async def __aenter__(self) -> DemoFleet:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()
