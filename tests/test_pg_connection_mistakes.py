"""What a commander gets wrong in a PostgreSQL preset's connection (a database name, a
port, a server that is down), against a real cluster over real sshd: the precheck fails
before anything changes, and the host's failure line (its last stderr line, the one the
run's last lines, the screens and the document show) names what is wrong. A table named
that the database does not have is said absent wherever its figures would be."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from console.model.events import Kind
from tests import pg, pgrig, sshd
from tests.pgrig import Outcome, connection, run_console, write_config
from tests.test_presets_migrations import SQL_MIGRATIONS

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, pg_cluster = pgrig.host, pgrig.cluster  # fixtures

ORDERS = """\
CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL);
INSERT INTO orders VALUES (1, 'tea'), (2, 'cups');
CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (2, false);
ALTER TABLE orders ADD COLUMN note text;
"""


@pytest.fixture
def cluster(pg_cluster):
    """The cluster, its orders in."""
    pg_cluster.sql(ORDERS)
    return pg_cluster


def configure(host, cluster: pg.Cluster, tmp_path: Path) -> Path:
    """A backup restore and an SQL down migration, as docs/strategies.md shows them."""
    migrations = host.home("migrations")
    for name, text in SQL_MIGRATIONS.items():
        (migrations / name).write_text(text)
        os.chown(migrations / name, host.account.uid, host.account.gid)
    tables = '  { name = "tables", default = "orders" },\n' + connection(cluster)
    strategies = f"""\
[[strategies]]
name = "restore"
kind = "backup-restore"
preset = "postgres-basebackup"
params = [
  {{ name = "pgdata", default = "{cluster.pgdata}" }},
  {{ name = "backup", default = "{cluster.backups / "nightly"}" }},
  {{ name = "archive", default = "{cluster.archive}" }},
{tables}]

[[strategies]]
name = "sql-down"
kind = "migration-reversal"
preset = "sql"
params = [
  {{ name = "migrations_dir", default = "{migrations}" }},
{tables}]
"""
    return write_config(tmp_path / "config", host, strategies, host.home("work"))


def failure_line(outcome: Outcome) -> str:
    """The failed host's last stderr line: what the run's last lines and the document say;
    or, a run stopped before its step (the host could not resolve `previous`: its
    resolve reads as the precheck does), the reason its last line gives."""
    if outcome.returncode == 1 and outcome.failed_stage() is None:
        last = outcome.stdout.strip().splitlines()[-1]
        assert "nothing sent" in last and " could not be resolved on db-1: " in last, last
        return last.split(" could not be resolved on db-1: ", 1)[1]
    errors = [
        line
        for e in outcome.events
        if e.kind == Kind.COMMAND_OUTPUT and e.data.stream == "stderr"
        for line in e.data.lines
    ]
    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert errors, outcome.stdout
    return errors[-1]


def untouched(cluster: pg.Cluster, stopped: bool = False) -> bool:
    """The data directory is the cluster's own, nothing staged or kept aside beside it."""
    beside = [p.name for p in cluster.root.iterdir() if p.name.startswith("data.")]
    return not beside and cluster.running() is not stopped


@pytest.mark.parametrize("strategy", ["restore", "sql-down"])
def test_a_wrong_database_name_is_named_by_the_failure_line(host, cluster, tmp_path, strategy):
    """Seen walking the presets: a restore naming a database that does not exist failed
    its precheck with 'cannot read the tables orders,customers' as the host's line, as if
    the tables were missing; psql's reason was on the line above it."""
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", strategy, "database=nosuch")

    line = failure_line(outcome)
    assert line.startswith("cannot connect to database nosuch: "), line
    assert 'database "nosuch" does not exist' in line
    # the database is what to correct: naming the target (it said so) would change nothing
    assert "--param target" not in line and "fix it there" not in line, line
    assert untouched(cluster) and cluster.sql("SELECT max(version) FROM schema_migrations") == "2"


@pytest.mark.parametrize("strategy", ["restore", "sql-down"])
def test_a_wrong_port_is_named_by_the_failure_line(host, cluster, tmp_path, strategy):
    """Seen walking the presets: an SQL down migration on a wrong port (or a server that
    is down) ended on psql's hint, 'Is the server running on that host and accepting
    TCP/IP connections?', as the host's line: the port it tried was on the line above."""
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)
    wrong = pg._free_port()

    outcome = run_console(config, tmp_path / "state", strategy, f"pg_port={wrong}")

    line = failure_line(outcome)
    assert line.startswith("cannot connect to database postgres: "), line
    assert f'"{pg.HOST}", port {wrong} failed' in line
    assert untouched(cluster)


def test_a_stopped_cluster_with_a_wrong_port_is_refused_before_its_restore(host, cluster, tmp_path):
    """Seen walking the presets: with the cluster stopped (nothing to measure before) and
    pg_port mistyped, the restore replaced the data directory, and only then its verify
    waited wait_seconds (an hour by default) for connections on that port, to fail with
    'no connections after 3600 s'. The precheck reads the port the cluster is configured
    for and refuses another."""
    cluster.basebackup("nightly")
    cluster.stop_all()
    config = configure(host, cluster, tmp_path)
    wrong = pg._free_port()

    outcome = run_console(config, tmp_path / "state", "restore", f"pg_port={wrong}")

    line = failure_line(outcome)
    assert line == (
        f"pg_port is {wrong}, but {cluster.pgdata} is configured for port {cluster.port}:"
        " the verify would not reach the restored cluster; set pg_port"
    )
    assert untouched(cluster, stopped=True)


def test_a_backup_configured_for_another_port_is_refused_before_its_restore(
    host, cluster, tmp_path
):
    """Seen walking the presets on real sshd: the cluster moved to another port after its
    nightly backup (pg_port the port it runs on now, as its clients use it). The restore
    replaced the data directory, the restored cluster read the backup's postgresql.conf and
    listened on the old port, and the verify waited there for connections until the
    command's timeout: 'verify failed: timeout — no exit within 600 s; TERM sent, then
    KILL if needed', saying nothing of the port. The precheck reads the port the staged
    backup is configured for and refuses another, nothing changed."""
    cluster.basebackup("nightly")
    old = cluster.port
    cluster.port = pg._free_port()
    conf = cluster.pgdata / "postgresql.conf"
    conf.write_text(conf.read_text() + f"port = {cluster.port}\n")
    cluster.run(
        str(cluster.bindir / "pg_ctl"), "-D", str(cluster.pgdata), "-l",
        str(cluster.root / "server.log"), "-w", "-t", "60", "restart",
    )  # fmt: skip
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "restore", "wait_seconds=5")

    line = failure_line(outcome)
    assert line == (
        f"the backup {cluster.backups / 'nightly'} is configured for port {old} (its"
        f" postgresql.conf), pg_port is {cluster.port}: the restored cluster would listen on"
        f" {old}, out of the verify's reach and its clients'; nothing was changed"
    )
    assert untouched(cluster)


@pytest.mark.parametrize("strategy", ["restore", "sql-down"])
def test_a_role_with_no_password_to_give_is_named_by_psqls_reason(
    host, cluster, tmp_path, strategy
):
    """Seen walking the presets on real sshd: pg_user a role the server asks a password of
    (scram-sha-256 in pg_hba.conf), none in ~/.pgpass. The host's line read 'cannot connect
    to database orders: Password for user pwuser:', psql's prompt (answered from nothing)
    where its reason should be. psql never asks now, and its reason is the line."""
    cluster.basebackup("nightly")
    cluster.sql("CREATE ROLE pwuser LOGIN SUPERUSER PASSWORD 's3cret-pw'")
    hba = cluster.pgdata / "pg_hba.conf"
    hba.write_text(f"host all pwuser {pg.HOST}/32 scram-sha-256\n" + hba.read_text())
    cluster.sql("SELECT pg_reload_conf()")
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", strategy, "pg_user=pwuser")

    line = failure_line(outcome)
    assert line.startswith(
        f'cannot connect to database postgres: connection to server at "{pg.HOST}",'
        f" port {cluster.port} failed: fe_sendauth: no password supplied"
    ), line
    assert untouched(cluster) and cluster.sql("SELECT max(version) FROM schema_migrations") == "2"


def test_a_misspelt_table_is_said_absent_not_left_out_unseen(host, cluster, tmp_path):
    """Walking the presets: `tables=ordrs,customers` measured customers alone, and every
    record, line and document read as if that were all that was named (a restore with
    nothing expected of it would pass with the table that matters never counted). The
    table the database does not have is on the record now, and said everywhere. A schema
    reversal refuses it before anything changes: its rows are compared with what they were
    (a restore may bring a dropped table back)."""
    from console.journal.export.markdown import render_markdown

    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)
    refused = run_console(config, tmp_path / "sql", "sql-down", "tables=orders,ordrs")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "no table ordrs in database postgres (named in tables)" in refused.stdout

    outcome = run_console(config, tmp_path / "state", "restore", "tables=orders,ordrs")

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr  # nothing expected of it
    for stage in ("before", "after"):
        record = outcome.integrity(stage)
        assert (record["rows"], record["absent"]) == ({"orders": 2}, ["ordrs"]), record
    assert "orders=2, no such table: ordrs)" in outcome.stdout, outcome.stdout
    section = render_markdown(outcome.events).split("## Data integrity")[1].split("\n## ")[0]
    assert "; rows: orders 2; no such table: ordrs |" in section, section
    assert cluster.sql("SELECT max(version) FROM schema_migrations") == "2"


def test_a_data_directory_the_login_user_cannot_read_is_refused(host, cluster, tmp_path):
    """Walked as a new user on real sshd: the cluster ran as its owner, the login user was
    another one who may write the data directory's parent. The precheck could not read
    pgdata: pg_ctl status said no server, PG_VERSION looked absent and the directory
    empty; it said 'the cluster is not running: nothing to measure before', and the action
    moved the live data directory from under the running server (its restored one then
    failed to start); the undo said 'the cluster was not running before: left stopped'."""
    if os.geteuid() != 0:
        pytest.skip("another account owns the cluster only when the tests run as root")
    cluster.basebackup("nightly")
    cluster.stop_all()
    owner = sshd.ensure_test_account("rbpgowner")
    as_owner = pg.Cluster(cluster.bindir, owner, cluster.root, cluster.port)
    subprocess.run(["chown", "-R", f"{owner.uid}:{owner.gid}", str(cluster.pgdata)], check=True)
    (cluster.root / "server.log").touch()
    os.chown(cluster.root / "server.log", owner.uid, owner.gid)
    os.chmod(cluster.root, 0o755)
    os.chmod(cluster.root / "sock", 0o1777)
    as_owner.start()
    try:
        config = configure(host, cluster, tmp_path)

        outcome = run_console(config, tmp_path / "state", "restore")

        line = failure_line(outcome)
        assert line == (
            f"{cluster.pgdata} (pgdata) belongs to {owner.name}, and {host.account.name}"
            " cannot read it: whether its cluster runs cannot be seen; log in as its owner"
        )
        assert [p.name for p in cluster.root.iterdir() if p.name.startswith("data.")] == []
        assert as_owner.running() and cluster.sql("SELECT count(*) FROM orders") == "2"
    finally:
        as_owner.stop_all()
        subprocess.run(
            ["chown", "-R", f"{host.account.uid}:{host.account.gid}", str(cluster.pgdata)],
            check=True,
        )


def test_a_backup_that_cannot_be_unpacked_is_named_with_tar_s_reason(host, cluster, tmp_path):
    """Walked (helper-171): the nightly base.tar.gz cut short (a copy stopped as the disk
    filled). The restore's precheck failed, nothing changed, and the host's line read only
    'backup ... not staged (the lines above say why): nothing was changed'; the run's last
    lines and the document show that line alone, and tar's reason was not in it."""
    backup = cluster.basebackup("nightly")
    tarball = backup / "base.tar.gz"
    with open(tarball, "r+b") as f:  # cut short, as the owner's copy was
        f.truncate(tarball.stat().st_size // 2)
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "restore")

    line = failure_line(outcome)
    assert line.startswith(f"backup {backup} not staged: "), line
    assert "unexpected end of file" in line or "Unexpected EOF" in line, line
    assert line.endswith(": nothing was changed"), line
    assert untouched(cluster)
