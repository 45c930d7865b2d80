"""init's "Assess system state" names the PostgreSQL server it asked, on real pg_isready
and a real PostgreSQL 15.

Walked as a new user on real sshd: init's configuration, the strategies given the orders
cluster's pg_host and pg_port (127.0.0.1, a port of its own), the assessment left as
written. It asked /var/run/postgresql, port 5432, where nothing listened, and recorded
'postgres=not-accepting' before the restore and after it, while the restore ran on the
cluster, which accepted connections throughout: the document's before → after read as
if the server were down. The assessment records pg_isready's own line, which names the
server asked ('postgres=/var/run/postgresql:5432 - no response'): another server's state
is never recorded as this one's, and the comments say where the strategies' server is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from console.model.loading import load_settings
from console.model.templates import render
from console.paths import example_config
from tests import pg, sshd
from tests.conftest import require_postgres

pytestmark = [pytest.mark.postgres]
WRITTEN = "-h /var/run/postgresql -p 5432"  # what init writes: Debian's socket


def _assess(command: str, bindir: Path, cwd: Path) -> str:
    """The example's assessment on a db host, run by sh with the server's client tools."""
    result = subprocess.run(
        ["/bin/sh", "-c", render(command, {"system": "db"})],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PATH": f"{bindir}:/usr/bin:/bin", "HOME": str(cwd)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_assessment_names_the_server_it_asked(tmp_path: Path) -> None:
    bindir = require_postgres()
    command = load_settings(example_config()).procedure.step("assess-state").command
    assert command is not None and WRITTEN in command, command
    account = sshd.ensure_test_account()
    template = pg.make_template(bindir, account)
    cluster = pg.start_cluster(template, bindir, account)
    try:
        # the example as written: Debian's socket, wherever the strategies' server is
        said = _assess(command, bindir, tmp_path)
        assert said.startswith("postgres=/var/run/postgresql:5432 - "), said
        # given the server the strategies reach, as its comment says: that one, accepting
        here = command.replace(WRITTEN, f"-h {pg.HOST} -p {cluster.port}")
        said = _assess(here, bindir, tmp_path)
        assert said == f"postgres={pg.HOST}:{cluster.port} - accepting connections\n", said
        cluster.run(str(bindir / "pg_ctl"), "-D", str(cluster.pgdata), "-m", "fast", "stop")
        said = _assess(here, bindir, tmp_path)
        assert said == f"postgres={pg.HOST}:{cluster.port} - no response\n", said
    finally:
        pg.remove(cluster)
        shutil.rmtree(template, ignore_errors=True)
