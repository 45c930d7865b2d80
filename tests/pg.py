"""A throwaway PostgreSQL cluster for tests, run as the dedicated test account.

The cluster listens on a free loopback port and a socket directory of its own and
archives WAL to a directory, as a production primary would. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

try:
    from tests import sshd as _sshd
except ImportError:  # pragma: no cover - tests/ itself on sys.path
    import sshd as _sshd  # type: ignore[no-redef]

HOST = "127.0.0.1"
START_ATTEMPTS = 5
ARCHIVE_TIMEOUT = 30.0
_POLL = 0.05


def pg_bindir() -> Path | None:
    """PostgreSQL server binaries: `pg_config --bindir`, else /usr/lib/postgresql/*/bin."""
    candidates = []
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, timeout=10, check=True
        )
        candidates.append(out.stdout.strip())
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    for path in map(Path, candidates):
        if all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres", "psql")):
            return path
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """One cluster: `root` holds data/, archive/, backups/, sock/ and the server log."""

    bindir: Path
    account: _sshd.Account
    root: Path
    port: int = 0

    @property
    def pgdata(self) -> Path:
        return self.root / "data"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    def run(self, *argv: str, check: bool = True, input: str | None = None, timeout: float = 60):
        """A command as the test account, with libpq pointed at this cluster."""
        as_account = {}
        if os.geteuid() == 0 and self.account.uid != 0:
            as_account = {"user": self.account.uid, "group": self.account.gid, "extra_groups": []}
        env = {
            "PATH": f"{self.bindir}:/usr/bin:/bin",
            "HOME": str(self.account.home),
            "LC_ALL": "C",
        }
        if self.port:
            env |= {"PGHOST": HOST, "PGPORT": str(self.port), "PGDATABASE": "postgres"}
        result = subprocess.run(
            list(argv),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=self.root,
            check=False,
            **as_account,
        )
        if check and result.returncode:
            raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}:\n{result.stderr}")
        return result

    def sql(self, query: str) -> str:
        """Run SQL (each statement its own transaction) and return psql's unaligned output."""
        out = self.run(
            str(self.bindir / "psql"), "-XAtq", "-v", "ON_ERROR_STOP=1", "-f", "-", input=query
        )
        return out.stdout.strip()

    def running(self) -> bool:
        status = self.run(
            str(self.bindir / "pg_ctl"), "-D", str(self.pgdata), "status", check=False
        )
        return status.returncode == 0

    def start(self) -> None:
        self.run(
            str(self.bindir / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.root / "server.log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop_all(self) -> None:
        """Stop every server started from this root (the data dir may have been moved)."""
        for pid_file in [
            *self.root.glob("*/postmaster.pid"),
            *self.root.glob("*/*/postmaster.pid"),
        ]:
            self.run(
                str(self.bindir / "pg_ctl"), "-D", str(pid_file.parent), "-m", "immediate",
                "-w", "-t", "30", "stop", check=False,
            )  # fmt: skip

    def switch_wal_and_wait_archived(self) -> None:
        """Close the current WAL segment and wait until the archiver has copied it: its
        archive_command ended well (pg_stat_archiver), not merely begun (`cp` creates the
        file first: an immediate stop then left a segment cut short in the archive, which
        the postgres presets rightly refuse)."""
        segment = self.sql("SELECT pg_walfile_name(pg_switch_wal())")
        archived = f"SELECT coalesce(last_archived_wal >= '{segment}', false) FROM pg_stat_archiver"
        deadline = time.monotonic() + ARCHIVE_TIMEOUT
        while not ((self.archive / segment).exists() and self.sql(archived) == "t"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"WAL segment {segment} was not archived")
            time.sleep(_POLL)

    def basebackup(self, name: str, gzip: bool = True, plain: bool = False) -> Path:
        """pg_basebackup into backups/NAME: tar (gzip unless told) or plain, WAL streamed,
        with a manifest."""
        target = self.backups / name
        form = ["-Fp"] if plain else ["-Ft", *(["-z"] if gzip else [])]
        self.run(
            str(self.bindir / "pg_basebackup"), "-D", str(target), *form,
            "-X", "stream", "-c", "fast", timeout=120,
        )  # fmt: skip
        return target


def make_template(bindir: Path, account: _sshd.Account) -> Path:
    """initdb once; clusters are copies of it (initdb costs seconds, a copy does not)."""
    root = _sshd.account_dir(account, "pg-template")
    cluster = Cluster(bindir, account, root)
    cluster.run(
        str(bindir / "initdb"), "-D", str(cluster.pgdata), "-A", "trust", "--no-sync",
        "--no-instructions", "-E", "UTF8", "--locale", "C", timeout=120,
    )  # fmt: skip
    return root


def start_cluster(template: Path, bindir: Path, account: _sshd.Account) -> Cluster:
    """A fresh copy of the template, archiving WAL, started on a free loopback port."""
    root = _sshd.account_dir(account, "pg")
    cluster = Cluster(bindir, account, root)
    cluster.run("cp", "-a", str(template / "data"), str(cluster.pgdata))
    for sub in ("archive", "backups", "sock"):
        cluster.run("mkdir", "-m", "700", str(root / sub))
    for _attempt in range(START_ATTEMPTS):
        cluster.port = _free_port()
        conf = cluster.pgdata / "postgresql.conf"
        base = conf.read_text().split("# --- test settings ---")[0]
        conf.write_text(
            base
            + "# --- test settings ---\n"
            + f"port = {cluster.port}\n"
            + f"listen_addresses = '{HOST}'\n"
            + f"unix_socket_directories = '{root / 'sock'}'\n"
            + "archive_mode = on\n"
            + f"archive_command = 'test ! -f {cluster.archive}/%f && cp %p {cluster.archive}/%f'\n"
            + "fsync = off\n"
            + "full_page_writes = on\n"
        )
        try:
            cluster.start()
            return cluster
        except RuntimeError:
            if "could not bind" not in (root / "server.log").read_text(errors="replace"):
                raise
    raise RuntimeError(f"PostgreSQL could not bind a free port in {START_ATTEMPTS} attempts")


def start_standby(primary: Cluster) -> Cluster:
    """A streaming standby of `primary` (pg_basebackup -R), under its root (replica/), on
    a free port, keeping WAL a backup from it fetches at its end; removed with the primary
    (`remove`)."""
    root = primary.root / "replica"
    standby = Cluster(primary.bindir, primary.account, root)
    primary.run("mkdir", "-m", "700", str(root))
    primary.run(
        str(primary.bindir / "pg_basebackup"), "-D", str(standby.pgdata), "-Fp", "-X", "stream",
        "-R", "-c", "fast", timeout=120,
    )  # fmt: skip
    for _attempt in range(START_ATTEMPTS):
        standby.port = _free_port()
        try:  # its port given on the command line: a backup of it says the primary's
            standby.run(
                str(standby.bindir / "pg_ctl"), "-D", str(standby.pgdata), "-l",
                str(root / "server.log"), "-o", f"-p {standby.port} -k {root} -c wal_keep_size=256MB",
                "-w", "-t",
                "60", "start",
            )  # fmt: skip
            return standby
        except RuntimeError:
            if "could not bind" not in (root / "server.log").read_text(errors="replace"):
                raise
    raise RuntimeError(f"the standby could not bind a free port in {START_ATTEMPTS} attempts")


def replayed(standby: Cluster, lsn: str) -> None:
    """Wait until `standby` has replayed the primary's WAL up to `lsn`."""
    deadline = time.monotonic() + ARCHIVE_TIMEOUT
    while standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") != "t":
        if time.monotonic() > deadline:
            raise TimeoutError(f"the standby did not replay up to {lsn}")
        time.sleep(_POLL)


def remove(cluster: Cluster) -> None:
    cluster.stop_all()
    shutil.rmtree(cluster.root, ignore_errors=True)
