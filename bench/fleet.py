"""The benchmark fleet: N real OpenSSH sshd on loopback, and every tool's view of it.

Servers come from the test helper ``tests/sshd.py`` (imported, not copied): it
creates the dedicated ``rbtest`` account with a minimal profile, picks free
ports and waits until each sshd greets.  This module adds what the benchmark
needs on top: start many at once, check the effective sshd configuration
against ``bench/sshd_config``, and write the configuration each tool reads.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "tests"))

import sshd  # noqa: E402  (tests/sshd.py: the real-sshd helper the tests use)

SSHD_TEMPLATE = BENCH / "sshd_config"
START_WORKERS = 8
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


def check_effective(server: sshd.SshdServer, wanted: list[tuple[str, str]]) -> None:
    """Stop unless ``sshd -T`` reports every template value for this server."""
    out = subprocess.run(
        [str(sshd.SSHD), "-T", "-f", str(server.config_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    effective = {}
    for line in out.splitlines():
        keyword, _, value = line.partition(" ")
        effective[keyword.lower()] = value.strip()
    wrong = [
        f"{k} is {effective.get(k.lower(), '(unset)')!r}, template says {v!r}"
        for k, v in wanted
        if effective.get(k.lower(), "").lower() != v.lower()
    ]
    if wrong:
        raise RuntimeError(f"{server.config_path}: effective sshd config differs: {wrong}")


@dataclass
class Fleet:
    """Running servers, the client key they trust, and a known_hosts for all of them."""

    workdir: Path
    account: sshd.Account
    client_key: Path
    known_hosts: Path
    servers: list[sshd.SshdServer] = field(default_factory=list)
    _log_offsets: list[int] = field(default_factory=list)

    @property
    def user(self) -> str:
        return self.account.name

    def hosts(self, count: int) -> list[tuple[str, str, int]]:
        """(name, address, port) of the first ``count`` servers."""
        return [(f"h{i:03d}", s.host, s.port) for i, s in enumerate(self.servers[:count], 1)]

    def stop(self) -> None:
        """Stop every server (bounded per server); never raises."""
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.stop()

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


def start_fleet(workdir: Path, count: int, template: Path = SSHD_TEMPLATE) -> Fleet:
    """Start ``count`` sshd on loopback, all trusting one fresh client key."""
    if not sshd.sshd_available():
        raise RuntimeError(f"{sshd.SSHD} is not installed (apt-get install openssh-server)")
    account = sshd.ensure_test_account()
    workdir.mkdir(parents=True, exist_ok=True)
    client_key, public = sshd.make_client_key(workdir)
    extra = template.read_text()
    fleet = Fleet(workdir, account, client_key, workdir / "known_hosts")

    def start(index: int) -> sshd.SshdServer:
        return sshd.start_sshd(
            workdir / f"sshd-{index:03d}", account, extra_config=extra, authorized_keys=[public]
        )

    try:
        with ThreadPoolExecutor(START_WORKERS) as pool:
            futures = [pool.submit(start, i) for i in range(1, count + 1)]
            errors = []
            for future in futures:
                try:
                    fleet.servers.append(future.result())
                except Exception as exc:
                    errors.append(exc)
        if errors:
            raise RuntimeError(f"{len(errors)} sshd failed to start: {errors[0]}")
        if len({s.port for s in fleet.servers}) != count:
            raise RuntimeError("two sshd share a port")
        check_effective(fleet.servers[0], template_directives(template))
        sshd.write_known_hosts(fleet.known_hosts, fleet.servers)
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
    max_handshakes: int,
    max_commands: int,
) -> Path:
    """A rollback-console configuration for the fleet.

    One system ``bench`` with ``count`` hosts and a strategy ``noop`` whose only
    command is ``true``.  The procedure has one strategy step (restore, running
    ``noop``) plus ``command_steps`` command steps of ``true``: every one of them
    runs one ``true`` per host, so "N steps" means N remote round trips per host.
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
        f"max_handshakes = {max_handshakes}",
        f"max_commands = {max_commands}",
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
