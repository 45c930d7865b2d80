"""Hosts for the preset tests: a real sshd, the test account, a throwaway PostgreSQL
cluster, a configuration directory written as a user would, and `rollback-console run`
as a subprocess. Results are read from the database and the journal, never from
printed text."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Event, Kind
from console.model.loading import load_settings
from console.model.state import IncidentState

if TYPE_CHECKING:
    from tests.conftest import SshdFixture

try:
    from tests import pg, sshd
except ImportError:  # pragma: no cover
    import pg  # type: ignore[no-redef]
    import sshd  # type: ignore[no-redef]

PROCEDURE = """\
name = "Database rollback"

[[phases]]
phase = "immediate"

[[phases.steps]]
id = "open-bridge"
title = "Open the incident bridge"
kind = "manual"

[[phases]]
phase = "execution"

[[phases.steps]]
id = "restore"
title = "Restore the data"
kind = "strategy"

[[phases]]
phase = "post"

[[phases.steps]]
id = "document"
title = "Document the rollback"
kind = "form"
fields = ["reason"]
"""


@dataclass
class PgHost:
    """One sshd on loopback logging in as the test account, and a cluster template."""

    server: sshd.SshdServer
    client_key: Path
    known_hosts: Path
    account: sshd.Account
    bindir: Path
    template: Path
    made: list[Path] = field(default_factory=list)

    def home(self, name: str) -> Path:
        """A fresh directory in the account's home, removed with the host."""
        path = sshd.account_dir(self.account, name)
        self.made.append(path)
        return path


def pg_host(
    tmp: Path, account: sshd.Account, bindir: Path, sshd_config: str = ""
) -> Iterator[PgHost]:
    """One sshd and a cluster template (`host`, below, is the fixture); `sshd_config`:
    lines of its own (`SetEnv`: what the account's sessions get)."""
    client_key, public = sshd.make_client_key(tmp)
    server = sshd.start_sshd(tmp, account, extra_config=sshd_config, authorized_keys=[public])
    template = pg.make_template(bindir, account)
    host = PgHost(
        server,
        client_key,
        sshd.write_known_hosts(tmp / "known_hosts", [server]),
        account,
        bindir,
        template,
    )
    try:
        yield host
    finally:
        server.stop()
        for path in [template, *host.made]:
            shutil.rmtree(path, ignore_errors=True)


# The fixtures of the tests on a real cluster over real sshd: one home. A test module
# takes them by name (`host, cluster = pgrig.host, pgrig.cluster  # fixtures`); one that
# needs a cluster made ready its own way takes `cluster` under another name (`pg_cluster =
# pgrig.cluster`) and makes its own `cluster` of it.


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, sshd_account: sshd.Account) -> Iterator[PgHost]:
    """One sshd for the module's tests, logging in as the test account, and a template
    cluster made once (PostgreSQL's binaries, or the test is skipped)."""
    from tests.conftest import require_postgres

    yield from pg_host(tmp_path_factory.mktemp("sshd"), sshd_account, require_postgres())


@pytest.fixture
def cluster(host: PgHost) -> Iterator[pg.Cluster]:
    """A cluster of the test's own, started from the template, removed after it."""
    made = pg.start_cluster(host.template, host.bindir, host.account)
    yield made
    pg.remove(made)


def connection(cluster: pg.Cluster) -> str:
    """The params every PostgreSQL preset needs to reach this cluster, as TOML."""
    return (
        f'  {{ name = "pg_host", default = "{pg.HOST}" }},\n'
        f'  {{ name = "pg_port", default = "{cluster.port}" }},\n'
        f'  {{ name = "bindir", default = "{cluster.bindir}" }},\n'
    )


def write_config(
    directory: Path, host: PgHost | SshdFixture, strategies: str, workdir: Path, system: str = "db"
) -> Path:
    """inventory, procedure and strategies, as README's configuration section says."""
    directory.mkdir(parents=True, exist_ok=True)
    names = [line.split('"')[1] for line in strategies.splitlines() if line.startswith("name = ")]
    (directory / "inventory.toml").write_text(
        f"""\
[ssh]
user = "{host.account.name}"
identity_files = ["{host.client_key}"]
known_hosts = "{host.known_hosts}"
use_ssh_config = false
command_timeout = 120.0

[[systems]]
name = "{system}"
workdir = "{workdir}"
strategies = {json.dumps(names)}

[[systems.hosts]]
name = "db-1"
address = "127.0.0.1"
port = {host.server.port}
"""
    )
    (directory / "procedure.toml").write_text(PROCEDURE)
    (directory / "strategies.toml").write_text(strategies)
    return directory


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    events: list[Event]

    def integrity(self, stage: str) -> dict:
        """The step's one integrity record of `stage` (before or after)."""
        found = [
            e.data.dump()
            for e in self.events
            if e.kind == Kind.INTEGRITY_RECORDED and e.data.stage == stage
        ]
        assert len(found) == 1, found
        return found[0]

    def rolled_back(self) -> bool:
        """`run` rolled every host back: verified (exit 0), or verified but for its data,
        recorded with nothing expected of it (a recovery to a point in time with no
        `expect`): closed "rolled back, not verified" for that alone (exit 1)."""
        if self.returncode == 0:
            return True
        closed = [e.data for e in self.events if e.kind == Kind.INCIDENT_CLOSED]
        unjudged = "rolled back, not verified: the data after “"
        return self.returncode == 1 and bool(closed) and closed[-1].label.startswith(unjudged)

    def refused(self) -> bool:
        """`run` exited 3 with every host's precheck refusing for good (nothing to do):
        nothing after the precheck was sent."""
        results = [e.data for e in self.events if e.kind == Kind.COMMAND_RESULT]
        return (
            self.returncode == 3
            and bool(results)
            and all(r.stage == "precheck" and r.refused for r in results)
        )

    def failed_stage(self) -> str | None:
        failed = [e for e in self.events if e.kind == Kind.COMMAND_RESULT and e.data.failure]
        return failed[-1].data.stage if failed else None

    @property
    def incident(self) -> str:
        return next(e.data.incident_id for e in self.events if e.kind == Kind.INCIDENT_OPENED)


def run_console(
    config: Path, state: Path, strategy: str, *params: str, system: str = "db"
) -> Outcome:
    """`rollback-console run` on one system, as a commander would type it."""
    journal = state / f"incident-{strategy}"
    argv = [
        sys.executable, "-m", "console", "--config", str(config), "run", "--systems", system,
        "--strategy", strategy, "--trigger", "data-corruption",
        "--reason", "orders damaged", "--yes", "--journal", str(journal),
    ]  # fmt: skip
    for p in params:
        argv += ["--param", p]
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
        check=False,
    )
    path = journal / "journal.jsonl"
    events = read_journal(path).events if path.exists() else []
    return Outcome(result.returncode, result.stdout, result.stderr, events)


async def undo(config: Path, journal: Path) -> tuple[bool, IncidentState]:
    """Undo the restore step of the incident at `journal`, as the engine does on request."""
    engine = Engine(load_settings(config), journal.parent / "incidents")
    conductor = engine.resume(journal)
    try:
        ok = await conductor.undo("restore")
    finally:
        await engine.close()
        conductor.recorder.close()
    return ok, conductor.recorder.state
