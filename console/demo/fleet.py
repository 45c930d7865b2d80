"""One asyncssh server per demo host on 127.0.0.1, with fresh keys every run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncssh

from console.demo.faults import Fault, FaultKind
from console.demo.sandbox import build_sandbox, corrupt_backup, write_breach
from console.model.settings import Settings

DEMO_USER = "responder"
PREPARE_WORKERS = 8
SLOW_SECONDS = 3.0
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

    async def handle(self, process: asyncssh.SSHServerProcess) -> None:
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


class DemoFleet:
    """Starts the demo hosts of a settings' inventory; `settings` then points at them."""

    def __init__(
        self, settings: Settings, faults: list[Fault] | None = None, root: Path | None = None
    ):
        self.base = settings
        self.faults = faults or []
        self._own_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="rollback-demo-"))
        self.settings: Settings = settings
        self.sandboxes: dict[str, Path] = {}
        self._servers: list[asyncio.AbstractServer | asyncssh.SSHAcceptor] = []
        self._tasks: list[asyncio.Task] = []
        self._built: list[Path] | None = None

    def prepare(self) -> None:
        """The slow half of `start`, synchronous and safe in a thread (the console runs it
        while it imports): every host's sandbox (files, a database, a shell script), built
        side by side."""
        hosts = [(s.name, h.name) for s in self.base.inventory.systems for h in s.hosts]
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        with ThreadPoolExecutor(PREPARE_WORKERS, thread_name_prefix="demo-sandbox") as pool:
            built = pool.map(lambda sh: build_sandbox(self.root / "hosts" / sh[1], sh[0]), hosts)
            self._built = list(built)

    def _faults_of(self, host: str) -> set[FaultKind]:
        return {f.kind for f in self.faults if f.host == host}

    async def start(self) -> Settings:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        key_path = self.root / "client_key"
        key_path.write_bytes(client_key.export_private_key())
        key_path.chmod(0o600)
        authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
        known_lines = []
        systems = []
        if self._built is None:
            await asyncio.to_thread(self.prepare)
        sandboxes = iter(self._built or [])
        for system in self.base.inventory.systems:
            hosts = []
            for host in system.hosts:
                faults = self._faults_of(host.name)
                sandbox = next(sandboxes)
                if FaultKind.CORRUPT_BACKUP in faults:
                    corrupt_backup(sandbox)
                if FaultKind.BREACH in faults:
                    self._tasks.append(asyncio.create_task(write_breach(sandbox)))
                self.sandboxes[host.name] = sandbox
                port, host_key = await self._serve(host.name, sandbox, faults, authorized)
                if FaultKind.WRONG_HOSTKEY in faults:
                    host_key = asyncssh.generate_private_key("ssh-ed25519")
                public = host_key.export_public_key().decode().strip()
                known_lines.append(f"[127.0.0.1]:{port} {public}")
                hosts.append({**host.model_dump(), "address": "127.0.0.1", "port": port})
            systems.append({**system.model_dump(), "hosts": hosts})
        known_hosts = self.root / "known_hosts"
        known_hosts.write_text("\n".join(known_lines) + "\n")
        ssh = {
            **self.base.inventory.ssh.model_dump(),
            "user": DEMO_USER,
            "identity_files": [str(key_path)],
            "known_hosts": str(known_hosts),
            "jump_host": None,
            "use_ssh_config": False,
            "connect_timeout": 3.0,
            "login_timeout": 3.0,
        }
        data = self.base.model_dump()
        data["inventory"] = {"ssh": ssh, "systems": systems}
        self.settings = Settings.model_validate(data)
        return self.settings

    async def _serve(self, name, sandbox, faults, authorized) -> tuple[int, asyncssh.SSHKey]:
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        if FaultKind.UNREACHABLE in faults:
            server = await asyncio.start_server(_silent, "127.0.0.1", 0)
            self._servers.append(server)
            return server.sockets[0].getsockname()[1], host_key
        else:
            if FaultKind.REFUSE_AUTH in faults:
                other = asyncssh.generate_private_key("ssh-ed25519")
                authorized = asyncssh.import_authorized_keys(other.export_public_key().decode())
            acceptor = await asyncssh.create_server(
                asyncssh.SSHServer,
                "127.0.0.1",
                0,
                server_host_keys=[host_key],
                authorized_client_keys=authorized,
                process_factory=_DemoHost(name, sandbox, faults).handle,
                keepalive_interval=0,
                login_timeout=10,
            )
            self._servers.append(acceptor)
            return acceptor.get_port(), host_key

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        self._servers.clear()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    async def __aenter__(self) -> DemoFleet:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accepts TCP and never speaks SSH: a host that does not answer."""
    with contextlib.suppress(Exception):
        await reader.read()
    writer.close()
