"""The benchmark fleet: N real OpenSSH hosts on loopback, and every tool's view of it.

A host is a loopback port served by a real ``sshd``.  OpenSSH listens on at most 16
sockets per process (MAX_LISTEN_SOCKS), so a fleet of 1,000 hosts is 63 sshd
processes with 16 ``Port`` lines each, all with the same host key, the clean
``rbtest`` account of ``tests/sshd.py`` (imported, not copied) and one authorized
client key.  Hosts are dealt round-robin over the processes: in a 1,000-host fleet
the first 50 hosts are 50 different processes, as on a real fleet where every host
has its own sshd.
This module also checks the effective sshd configuration against
``bench/sshd_config`` and writes the configuration each tool reads.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "tests"))

import sshd  # noqa: E402  (tests/sshd.py: the real-sshd helper the tests use)

SSHD_TEMPLATE = BENCH / "sshd_config"
PORTS_PER_SSHD = 16  # OpenSSH's MAX_LISTEN_SOCKS
START_WORKERS = 8
START_ATTEMPTS = 5
IDLE_TIMEOUT = 20.0
IDLE_POLL = 0.05


def template_directives(path: Path = SSHD_TEMPLATE) -> list[tuple[str, str]]:
    """(keyword, value) pairs of the template, comments and blank lines left out."""
    out = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            keyword, _, value = line.partition(" ")
            out.append((keyword, value.strip()))
    return out


@dataclass
class Sshd:
    """One sshd process listening on up to 16 loopback ports."""

    workdir: Path
    ports: list[int]
    config_path: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    host: str = sshd.HOST

    def listening(self) -> set[int]:
        text = self.log_path.read_text(errors="replace")
        return {p for p in self.ports if f"Server listening on {self.host} port {p}." in text}

    def stop(self) -> None:
        """TERM sshd and its per-connection children (bounded), KILL if it lingers."""
        if self.process.poll() is None:
            for pid in [*sshd._descendants(self.process.pid), self.process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=sshd.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=sshd.STOP_TIMEOUT)


def check_effective(server: Sshd, wanted: list[tuple[str, str]]) -> None:
    """Stop unless ``sshd -T`` reports every template value (and every port) for this server."""
    out = subprocess.run(
        [str(sshd.SSHD), "-T", "-f", str(server.config_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    effective: dict[str, str] = {}
    ports = set()
    for line in out.splitlines():
        keyword, _, value = line.partition(" ")
        effective[keyword.lower()] = value.strip()
        if keyword.lower() == "port":
            ports.add(int(value))
    wrong = [
        f"{k} is {effective.get(k.lower(), '(unset)')!r}, template says {v!r}"
        for k, v in wanted
        if effective.get(k.lower(), "").lower() != v.lower()
    ]
    if ports != set(server.ports):
        wrong.append(f"ports {sorted(ports)}, wanted {sorted(server.ports)}")
    if wrong:
        raise RuntimeError(f"{server.config_path}: effective sshd config differs: {wrong}")


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (all bound at once, then released): the
    kernel's choice, or with ``FLEET_PORTS=FIRST-LAST`` (a block of one's own on a machine
    shared with others) the next free ones of the block, none given twice in a process."""
    socks = []
    try:
        while len(socks) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(sock)
            if not _BLOCK:
                sock.bind((sshd.HOST, 0))
                continue
            while True:
                with _BLOCK_LOCK:
                    port = next(_BLOCK[0], None)
                if port is None:
                    raise RuntimeError(f"FLEET_PORTS: no {count} free ports left in the block")
                with contextlib.suppress(OSError):
                    sock.bind((sshd.HOST, port))
                    break
        return [s.getsockname()[1] for s in socks]
    finally:
        for sock in socks:
            sock.close()


def _block() -> list[Iterator[int]]:
    first, _, last = os.environ.get("FLEET_PORTS", "").partition("-")
    return [iter(range(int(first), int(last) + 1))] if last else []


_BLOCK, _BLOCK_LOCK = _block(), threading.Lock()


def _wait_listening(server: Sshd, deadline: float) -> set[int]:
    """The ports the server listens on, once it has tried them all (sshd logs each
    bind it fails and goes on with the others) or exited."""
    for _ in range(int(sshd.START_TIMEOUT / 0.02) + 1):
        text = server.log_path.read_text(errors="replace")
        up = {p for p in server.ports if f"Server listening on {server.host} port {p}." in text}
        tried = len(up) + text.count("Bind to port")
        if tried >= len(server.ports) or server.process.poll() is not None:
            return up
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return server.listening()


def start_sshd(
    workdir: Path, account: sshd.Account, host_key: Path, keys_file: Path, ports: int, extra: str
) -> Sshd:
    """One sshd on ``ports`` free loopback ports, with the fleet's host key; retried on
    fresh ports if another process took one meanwhile."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in (host_key.name, host_key.name + ".pub"):
        link = workdir / name
        if not link.exists():
            link.symlink_to(host_key.with_name(name))
    config_path = workdir / "sshd_config"
    log_path = workdir / "sshd.log"
    for _ in range(START_ATTEMPTS):
        chosen = free_ports(ports)
        more = "".join(f"Port {p}\n" for p in chosen[1:])
        config_path.write_text(sshd._config(chosen[0], workdir, account, keys_file, extra + more))
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [str(sshd.SSHD), "-D", "-e", "-f", str(config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        server = Sshd(workdir, chosen, config_path, log_path, process)
        up = _wait_listening(server, time.monotonic() + sshd.START_TIMEOUT)
        if up == set(chosen) and process.poll() is None:
            return server
        server.stop()
    raise RuntimeError(f"sshd in {workdir} could not listen on {ports} free ports")


@dataclass
class Fleet:
    """Running servers, the client key they trust, and a known_hosts for all of them."""

    workdir: Path
    account: sshd.Account
    client_key: Path
    known_hosts: Path
    servers: list[Sshd] = field(default_factory=list)
    _log_offsets: list[int] = field(default_factory=list)
    keys_dir: Path | None = None  # in the account's home: removed at stop

    @property
    def user(self) -> str:
        return self.account.name

    def endpoints(self) -> list[tuple[str, int]]:
        """Every (address, port), dealt round-robin over the sshd processes."""
        longest = max(len(s.ports) for s in self.servers)
        return [
            (s.host, s.ports[i]) for i in range(longest) for s in self.servers if i < len(s.ports)
        ]

    def hosts(self, count: int) -> list[tuple[str, str, int]]:
        """(name, address, port) of the first ``count`` hosts."""
        return [(f"h{i:04d}", a, p) for i, (a, p) in enumerate(self.endpoints()[:count], 1)]

    def stop(self) -> None:
        """Stop every server (bounded per server); never raises."""
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.stop()
        if self.keys_dir is not None:
            shutil.rmtree(self.keys_dir, ignore_errors=True)

    def logins(self) -> int:
        """'Accepted publickey' lines logged since the previous call, all servers."""
        if len(self._log_offsets) != len(self.servers):
            self._log_offsets = [0] * len(self.servers)
        total = 0
        for index, server in enumerate(self.servers):
            with open(server.log_path, "rb") as handle:
                handle.seek(self._log_offsets[index])
                data = handle.read()
            # Count only complete lines; a half-written one is counted next time.
            data = data[: data.rfind(b"\n") + 1]
            self._log_offsets[index] += len(data)
            total += data.count(b"Accepted publickey")
        return total

    def busy_children(self) -> int:
        """Per-connection sshd processes still alive (0 when the fleet is idle)."""
        return sum(len(sshd._descendants(s.process.pid)) for s in self.servers)

    def wait_idle(self, timeout: float = IDLE_TIMEOUT) -> int:
        """Wait until no connection is being served; returns how many still are."""
        deadline = time.monotonic() + timeout
        busy = self.busy_children()
        for _ in range(int(timeout / IDLE_POLL) + 1):
            if busy == 0 or time.monotonic() > deadline:
                break
            time.sleep(IDLE_POLL)
            busy = self.busy_children()
        return busy


def start_fleet(
    workdir: Path, count: int, template: Path = SSHD_TEMPLATE, per_sshd: int = PORTS_PER_SSHD
) -> Fleet:
    """``count`` hosts on loopback, ceil(count / per_sshd) sshd processes, one host key,
    all trusting one fresh client key."""
    if not sshd.sshd_available():
        raise RuntimeError(f"{sshd.SSHD} is not installed (apt-get install openssh-server)")
    account = sshd.ensure_test_account()
    workdir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        sshd.PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    client_key, public = sshd.make_client_key(workdir)
    host_key = workdir / "host_ed25519"
    host_public = sshd._keygen(host_key, "rollback-console-bench-host")
    keys_dir = workdir
    if account.uid != os.geteuid():
        keys_dir = sshd.account_dir(account, ".sshd-keys")
    keys_file = keys_dir / "authorized_keys"
    keys_file.write_text(public.strip() + "\n")
    if keys_dir != workdir:
        os.chown(keys_file, account.uid, account.gid)
    extra = template.read_text() + "\n"
    fleet = Fleet(workdir, account, client_key, workdir / "known_hosts")
    fleet.keys_dir = keys_dir if keys_dir != workdir else None
    processes = math.ceil(count / per_sshd)
    sizes = [count // processes + (i < count % processes) for i in range(processes)]

    def start(index: int) -> Sshd:
        return start_sshd(
            workdir / f"sshd-{index:03d}", account, host_key, keys_file, sizes[index], extra
        )

    try:
        with ThreadPoolExecutor(START_WORKERS) as pool:
            futures = [pool.submit(start, i) for i in range(processes)]
            errors = []
            for future in futures:
                try:
                    fleet.servers.append(future.result())
                except Exception as exc:
                    errors.append(exc)
        if errors:
            raise RuntimeError(f"{len(errors)} sshd failed to start: {errors[0]}")
        if len({p for s in fleet.servers for p in s.ports}) != count:
            raise RuntimeError("two hosts share a port")
        check_effective(fleet.servers[0], template_directives(template))
        keytype, blob = host_public.split()[:2]
        lines = [f"[{a}]:{p} {keytype} {blob}\n" for a, p in fleet.endpoints()]
        fleet.known_hosts.write_text("".join(lines))
    except BaseException:
        fleet.stop()
        raise
    fleet.logins()  # start counting from here
    return fleet


# --- what each tool reads -----------------------------------------------------


def write_fleet_json(path: Path, fleet: Fleet, count: int) -> Path:
    """The fleet for the peer scripts (bench/peers/*.py)."""
    spec = {
        "user": fleet.user,
        "key": str(fleet.client_key),
        "known_hosts": str(fleet.known_hosts),
        "hosts": [{"name": n, "address": a, "port": p} for n, a, p in fleet.hosts(count)],
    }
    path.write_text(json.dumps(spec, indent=1))
    return path


def write_ansible_inventory(path: Path, fleet: Fleet, count: int) -> Path:
    """An INI inventory; host key checking stays on, against the fleet's known_hosts."""
    lines = ["[bench]"]
    lines += [f"{n} ansible_host={a} ansible_port={p}" for n, a, p in fleet.hosts(count)]
    lines += [
        "",
        "[all:vars]",
        f"ansible_user={fleet.user}",
        f"ansible_ssh_private_key_file={fleet.client_key}",
        f"ansible_ssh_common_args='-o UserKnownHostsFile={fleet.known_hosts}'",
        "",
    ]
    path.write_text("\n".join(lines))
    return path


def _toml_str(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string


def write_console_config(
    directory: Path,
    fleet: Fleet,
    count: int,
    *,
    command_steps: int,
    max_handshakes: int | None,
    max_commands: int | None,
) -> Path:
    """A rollback-console configuration for the fleet.

    One system ``bench`` with ``count`` hosts and a strategy ``noop`` whose only
    command is ``true``.  The procedure has one strategy step (restore, running
    ``noop``) plus ``command_steps`` command steps of ``true``: every one of them
    runs one ``true`` per host, so "N steps" means N remote round trips per host.
    ``max_handshakes`` or ``max_commands`` None leaves the console's own default (not
    written).
    The immediate phase holds a manual step (confirmed by ``--yes``, no SSH) and
    the post phase a reason form, as the schema needs a step in each phase.
    """
    directory.mkdir(parents=True, exist_ok=True)
    inventory = [
        "[ssh]",
        f"user = {_toml_str(fleet.user)}",
        f"identity_files = [{_toml_str(str(fleet.client_key))}]",
        f"known_hosts = {_toml_str(str(fleet.known_hosts))}",
        "use_ssh_config = false",
        *([f"max_handshakes = {max_handshakes}"] if max_handshakes is not None else []),
        *([f"max_commands = {max_commands}"] if max_commands is not None else []),
        "",
        "[[systems]]",
        'name = "bench"',
        'strategies = ["noop"]',
    ]
    for name, address, port in fleet.hosts(count):
        inventory += [
            "",
            "[[systems.hosts]]",
            f'name = "{name}"',
            f'address = "{address}"',
            f"port = {port}",
        ]
    (directory / "inventory.toml").write_text("\n".join(inventory) + "\n")

    strategies = [
        "[[strategies]]",
        'name = "noop"',
        'kind = "custom"',
        'description = "Does nothing, on every host: the cost of the fan-out alone"',
        "",
        "[strategies.commands]",
        'action = "true"',
    ]
    (directory / "strategies.toml").write_text("\n".join(strategies) + "\n")

    def step(step_id: str, title: str, kind: str, extra: str = "") -> list[str]:
        lines = ["", "[[phases.steps]]", f'id = "{step_id}"', f'title = "{title}"']
        return [*lines, f'kind = "{kind}"', *([extra] if extra else [])]

    procedure = [f'name = "bench: {command_steps + 1} remote step(s)"', "", "[[phases]]"]
    procedure += ['phase = "immediate"', *step("go", "Go", "manual")]
    procedure += ["", "[[phases]]", 'phase = "execution"']
    for index in range(1, command_steps + 1):
        procedure += step(f"cmd-{index}", f"Command {index}", "command", 'command = "true"')
    procedure += step("restore", "Restore", "strategy")
    procedure += ["", "[[phases]]", 'phase = "post"']
    procedure += step("document-reason", "Document rollback reason", "form", 'fields = ["reason"]')
    (directory / "procedure.toml").write_text("\n".join(procedure) + "\n")
    return directory


def check_console_config(
    directory: Path, env: dict[str, str] | None = None, console: str = "rollback-console"
) -> str:
    """``rollback-console check-config DIR``; raises with its message if it refuses."""
    out = subprocess.run(
        [console, "check-config", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    if out.returncode != 0:
        raise RuntimeError(f"check-config {directory} failed:\n{out.stdout}{out.stderr}")
    return out.stdout.strip()
