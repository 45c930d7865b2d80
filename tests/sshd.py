"""Start a real OpenSSH ``sshd`` on a loopback port for tests.

Everything here is bounded: every wait polls a condition with a deadline and a
maximum number of iterations.  Servers are independent (own workdir, own port),
so tests may run in parallel.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
HOST = "127.0.0.1"
PRIVSEP_DIR = Path("/run/sshd")
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0
PORT_ATTEMPTS = 5
_POLL = 0.02
_MINIMAL_PROFILE = "# Minimal profile for rollback-console tests: no version managers.\n"


@dataclass(frozen=True)
class Account:
    """A local account sshd logs in as."""

    name: str
    home: Path
    uid: int
    gid: int


def sshd_available() -> bool:
    """True when the OpenSSH server binary is installed."""
    return SSHD.is_file() and os.access(SSHD, os.X_OK)


def _account_from_pw(pw: pwd.struct_passwd) -> Account:
    return Account(pw.pw_name, Path(pw.pw_dir), pw.pw_uid, pw.pw_gid)


def _shadow_password(name: str) -> str | None:
    with contextlib.suppress(OSError), open("/etc/shadow") as fh:
        for line in fh:
            parts = line.split(":")
            if parts[0] == name and len(parts) > 1:
                return parts[1]
    return None


def ensure_test_account(name: str = "rbtest", shell: str = "/bin/sh") -> Account:
    """Return a dedicated login account, creating it when running as root.

    Without root, falls back to the current user (left untouched).  The
    dedicated account gets ``shell`` as its login shell, a minimal ``.profile``, no
    ``.bashrc``, and the password ``*``: with ``UsePAM no`` sshd refuses
    even public-key logins for accounts whose password is locked (``!``).
    """
    if os.geteuid() != 0:
        return _account_from_pw(pwd.getpwuid(os.geteuid()))
    lock_path = Path(tempfile.gettempdir()) / f"rollback-console-account-{name}.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel workers must not race useradd
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            subprocess.run(["useradd", "-m", "-s", shell, name], check=True, timeout=30)
            pw = pwd.getpwnam(name)
        if pw.pw_shell != shell:
            subprocess.run(["usermod", "-s", shell, name], check=True, timeout=30)
        if (_shadow_password(name) or "!").startswith("!"):
            subprocess.run(["usermod", "-p", "*", name], check=True, timeout=30)
        account = _account_from_pw(pwd.getpwnam(name))
        account.home.mkdir(mode=0o755, parents=True, exist_ok=True)
        os.chown(account.home, account.uid, account.gid)
        for rc in (".bashrc", ".bash_profile", ".bash_login", ".bash_logout"):
            (account.home / rc).unlink(missing_ok=True)
        profile = account.home / ".profile"
        profile.write_text(_MINIMAL_PROFILE)
        os.chown(profile, account.uid, account.gid)
    return account


def account_dir(account: Account, name: str) -> Path:
    """Create a fresh, unique directory in the account's home, owned by it."""
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=account.home))
    os.chown(path, account.uid, account.gid)
    return path


def _keygen(key_path: Path, comment: str) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key_path)],
        check=True,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
    )
    return key_path.with_name(key_path.name + ".pub").read_text().strip()


def make_client_key(workdir: Path) -> tuple[Path, str]:
    """Generate an ed25519 client key without passphrase: (private path, public line)."""
    key = Path(workdir) / "client_ed25519"
    return key, _keygen(key, "rollback-console-test-client")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port whose connects hang: its backlog is full, so further SYNs are
    dropped and nothing answers until the dialler's own timeout."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(0)
        filler = [socket.socket() for _ in range(3)]
        try:
            for sock in filler:
                sock.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    sock.connect(silent.getsockname())
            yield silent.getsockname()[1]
        finally:
            for sock in filler:
                sock.close()


@functools.cache
def sshd_version() -> tuple[int, int]:
    """(major, minor) of the installed OpenSSH server, (0, 0) if unknown."""
    out = subprocess.run([str(SSHD), "-V"], capture_output=True, text=True, timeout=10, check=False)
    match = re.search(r"OpenSSH_(\d+)\.(\d+)", out.stderr + out.stdout)
    return (int(match[1]), int(match[2])) if match else (0, 0)


def _config(port: int, workdir: Path, account: Account, keys_file: Path, extra: str) -> str:
    lines = [
        f"ListenAddress {HOST}",
        f"Port {port}",
        f"HostKey {workdir / 'host_ed25519'}",
        f"PidFile {workdir / 'sshd.pid'}",
        f"AuthorizedKeysFile {keys_file}",
        "StrictModes no",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "UsePAM no",
        "PermitRootLogin prohibit-password",
        f"AllowUsers {account.name}",
        "MaxStartups 1000:30:1000",
        "MaxSessions 1000",
        "LogLevel VERBOSE",
        "Subsystem sftp internal-sftp",
        # AcceptEnv is left unset: the default accepts no variables at all.
        "UseDNS no",
        "PrintMotd no",
        "PrintLastLog no",
    ]
    if sshd_version() >= (9, 8):
        # Failed/aborted handshakes would otherwise ban 127.0.0.1 for a while.
        lines.append("PerSourcePenalties no")
    return "\n".join(lines) + "\n" + extra + ("\n" if extra else "")


@dataclass
class SshdServer:
    """A running sshd; stop it with :meth:`stop` (or use it as a context manager)."""

    port: int
    user: str
    workdir: Path
    config_path: Path
    host_key_path: Path
    host_public_key: str
    authorized_keys_path: Path
    log_path: Path
    process: subprocess.Popen[bytes]
    host: str = HOST
    _cleanup: list[Path] = field(default_factory=list, repr=False)

    def known_hosts_line(self) -> str:
        """``[127.0.0.1]:PORT ssh-ed25519 AAAA...`` for this server's host key."""
        keytype, blob = self.host_public_key.split()[:2]
        return f"[{self.host}]:{self.port} {keytype} {blob}"

    def log(self) -> str:
        """The sshd log so far."""
        return self.log_path.read_text(errors="replace")

    def accepted_connections(self) -> int:
        """Number of successful public-key logins logged so far."""
        return self.log().count("Accepted publickey")

    def stop(self) -> None:
        """Terminate sshd and its per-connection children (bounded), then clean up.

        Idempotent.  sshd's children call setsid() and a non-pty command
        outlives its connection, so the whole process tree is signalled.
        """
        if self.process.poll() is None:
            for pid in [*_descendants(self.process.pid), self.process.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)
        for path in self._cleanup:
            shutil.rmtree(path, ignore_errors=True)

    def __enter__(self) -> SshdServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _descendants(pid: int, limit: int = 10_000) -> list[int]:
    """All live descendants of ``pid`` (Linux /proc), breadth first, bounded."""
    found: list[int] = []
    queue = [pid]
    while queue and len(found) < limit:
        parent = queue.pop(0)
        try:
            text = Path(f"/proc/{parent}/task/{parent}/children").read_text()
        except OSError:
            continue
        kids = [int(p) for p in text.split()]
        found += kids
        queue += kids
    return found


def _banner(port: int, timeout: float) -> bytes:
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        data = b""
        for _ in range(64):  # identification line is < 256 bytes
            chunk = sock.recv(256)
            if not chunk:
                break
            data += chunk
            if b"\n" in data:
                break
        with contextlib.suppress(OSError):  # polite hang-up; the banner is what counts
            sock.sendall(b"SSH-2.0-rollback-console-probe\r\n")
        return data


def _wait_ready(server: SshdServer, deadline: float) -> bool:
    """Wait until *our* sshd logs it listens and answers with a banner.

    Returns False if sshd exited (e.g. the port was taken); raises on timeout.
    """
    listening = f"Server listening on {HOST} port {server.port}"
    max_polls = int(START_TIMEOUT / _POLL) + 1
    for _ in range(max_polls):
        if server.process.poll() is not None:
            return False
        if listening in server.log():
            with contextlib.suppress(OSError):
                if _banner(server.port, max(0.1, deadline - time.monotonic())).startswith(
                    b"SSH-2.0-"
                ):
                    return True
        if time.monotonic() > deadline:
            break
        time.sleep(_POLL)
    server.stop()
    raise TimeoutError(f"sshd on port {server.port} not ready; log:\n{server.log()}")


def start_sshd(
    workdir: Path,
    account: Account,
    *,
    extra_config: str = "",
    authorized_keys: list[str],
    options: Iterable[str] = (),
) -> SshdServer:
    """Start ``sshd -D -e`` on a free loopback port and wait until it greets.

    sshd reads AuthorizedKeysFile with the *account's* uid, so when the
    account is not us the keys file lives in a private dir in its home
    (pytest's tmp dirs are 0700 root); that dir is removed by ``stop()``.
    ``options`` are passed as ``-o`` and win over the file (``LogLevel=DEBUG1`` logs
    each forwarded connection's target), except MaxStartups: OpenSSH 9.2 keeps the
    file's (``sshd -T`` shows it); tests/test_closed_before_banner_sshd changes the file.
    """
    if not sshd_available():
        raise FileNotFoundError(f"{SSHD} is not installed")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0 and not PRIVSEP_DIR.is_dir():
        PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    host_key = workdir / "host_ed25519"
    if not host_key.exists():
        _keygen(host_key, "rollback-console-test-host")
    host_public_key = host_key.with_name(host_key.name + ".pub").read_text().strip()

    cleanup: list[Path] = []
    keys_dir = workdir
    if account.uid != os.geteuid():
        keys_dir = account_dir(account, ".sshd-keys")
        cleanup.append(keys_dir)
    keys_file = keys_dir / "authorized_keys"
    keys_file.write_text("".join(k.strip() + "\n" for k in authorized_keys))
    if keys_dir != workdir:
        os.chown(keys_file, account.uid, account.gid)

    config_path = workdir / "sshd_config"
    log_path = workdir / "sshd.log"
    deadline = time.monotonic() + START_TIMEOUT
    for _attempt in range(PORT_ATTEMPTS):
        port = _free_port()
        config_path.write_text(_config(port, workdir, account, keys_file, extra_config))
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [
                    str(SSHD),
                    "-D",
                    "-e",
                    "-f",
                    str(config_path),
                    *(arg for option in options for arg in ("-o", option)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        server = SshdServer(
            port=port,
            user=account.name,
            workdir=workdir,
            config_path=config_path,
            host_key_path=host_key,
            host_public_key=host_public_key,
            authorized_keys_path=keys_file,
            log_path=log_path,
            process=process,
            _cleanup=cleanup,
        )
        if _wait_ready(server, deadline):
            return server
        text = server.log()
        if "Address already in use" not in text and "Cannot bind" not in text:
            server.stop()
            raise RuntimeError(f"sshd exited with {process.returncode}; log:\n{text}")
    for path in cleanup:
        shutil.rmtree(path, ignore_errors=True)
    raise RuntimeError(f"sshd could not bind a free port in {PORT_ATTEMPTS} attempts")


@contextlib.contextmanager
def ssh_agent(workdir: Path, keys: Iterable[Path]) -> Iterator[Path]:
    """A private ssh-agent holding `keys`; yields its socket path (for SSH_AUTH_SOCK)."""
    socket_path = Path(workdir) / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(int(START_TIMEOUT / _POLL)):
            if _listening(socket_path):  # its file is made before it listens (bind, then
                break  # listen): ssh-add in between read "Connection refused" (seen)
            time.sleep(_POLL)
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket_path)}
        for key in keys:
            subprocess.run(
                ["ssh-add", str(key)], env=env, check=True, capture_output=True, timeout=30
            )
        yield socket_path
    finally:
        agent.terminate()
        agent.wait(timeout=STOP_TIMEOUT)


def _listening(path: Path) -> bool:
    """Whether a Unix socket at `path` takes connections."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def write_known_hosts(path: Path, servers: Iterable[SshdServer]) -> Path:
    """Write a known_hosts file trusting exactly ``servers``."""
    path = Path(path)
    path.write_text("".join(s.known_hosts_line() + "\n" for s in servers))
    return path
