"""A migration reversal that meets a lock held by the application gives up waiting for it
soon, changes nothing, and names who holds it (the sql and alembic presets); so do the
restores' reads of the tables (postgres-basebackup, -wal, -pitr).

Walked on real PostgreSQL 15 over real sshd: a `sql` reversal (ALTER TABLE orders DROP
COLUMN note) while a session of the application sat idle in a transaction that had read
orders. The ALTER waited for its lock for the whole command timeout (300 s by default),
and meanwhile every query on orders queued behind it: the rollback stopped the service it
was rolling back. The host's line then read 'timeout: no exit within 25 s; TERM sent, then
KILL if needed — reverting 2: 000002_note.down.sql', saying nothing of the lock. The
presets' database sessions take `lock_timeout` (10 s unless set): the transaction rolls
back, and the line names the error and the sessions in a transaction on the database."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest

from console.journal.export.document import build_document
from console.journal.export.markdown import render_markdown
from console.journal.store import read_journal
from tests import pg, pgrig
from tests import test_presets_migrations as migrations_tests
from tests.pgrig import run_console, undo, write_config
from tests.test_presets_migrations import (
    REVISIONS,
    SQL_MIGRATIONS,
    _alembic_config,
    _migrated,
    _sql_strategy,
    columns,
    shop,
)

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, pg_cluster = pgrig.host, pgrig.cluster  # fixtures
site = migrations_tests.site  # fixture: alembic on the host


@pytest.fixture
def cluster(pg_cluster):
    """The cluster, its database shop made."""
    pg_cluster.sql("CREATE DATABASE shop")
    return pg_cluster


def _holding_orders(db: pg.Cluster, took: str = "SELECT count(*) FROM orders") -> subprocess.Popen:
    """A session of the application idle in a transaction that has read orders (or that
    `took` a lock of its own there)."""
    as_account = {}
    if os.geteuid() == 0 and db.account.uid != 0:
        as_account = {"user": db.account.uid, "group": db.account.gid, "extra_groups": []}
    session = subprocess.Popen(
        [str(db.bindir / "psql"), "-XAtq", "-h", pg.HOST, "-p", str(db.port),
         "-d", "shop", "-v", "ON_ERROR_STOP=1"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "HOME": str(db.account.home),
             "PGAPPNAME": "storefront"},
        text=True, **as_account,
    )  # fmt: skip
    assert session.stdin is not None
    session.stdin.write(f"BEGIN;\n{took};\n")
    session.stdin.flush()
    deadline = time.monotonic() + 30
    while (
        shop(
            db,
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = 'storefront' AND state = 'idle in transaction'",
        )
        != "1"
    ):
        assert session.poll() is None and time.monotonic() < deadline, "no session holding orders"
        time.sleep(0.05)
    return session


def _failed_on_the_lock(db: pg.Cluster, config, state, strategy: str) -> str:
    """Run `strategy` while the application holds orders: its action fails (not its
    timeout); the host's failure line. Its lock_timeout 1s, not the 10s default: the
    same give-up, 9 s sooner."""
    session = _holding_orders(db)
    try:
        outcome = run_console(config, state, strategy, "lock_timeout=1s")
    finally:
        session.kill()
        session.wait()
    assert outcome.returncode == 1 and outcome.failed_stage() == "action", outcome.stdout
    [said] = [x for x in outcome.stdout.splitlines() if x.startswith("  db-1: failed at ")]
    assert "non-zero exit" in said, said  # not the command's timeout
    # The document says the exit status as the run did: its Result line read 'exit status
    # 122 (attempt 1)', with no words.
    exit_said = said.split("non-zero exit: ", 1)[1].split(" — ", 1)[0]
    text = render_markdown(outcome.events)
    assert f"- **Result:** failed at the action: non-zero exit, {exit_said} (attempt 1)" in text
    return said


def test_a_reversal_blocked_by_a_lock_gives_up_and_names_who_holds_it(
    host,
    cluster,
    tmp_path,
):
    migrations = _migrated(host, cluster, SQL_MIGRATIONS, "single-row")
    strategy = _sql_strategy(cluster, migrations).replace(
        'preset = "sql"\n', 'preset = "sql"\ntimeout = 60\n'
    )
    config = write_config(tmp_path / "config", host, strategy, host.home("work"))
    said = _failed_on_the_lock(cluster, config, tmp_path / "state", "sql-down")
    assert "canceling statement due to lock timeout" in said, said
    assert "storefront" in said and "idle in transaction" in said, said
    assert columns(cluster) == ["id", "item", "note"]
    assert shop(cluster, "SELECT version, dirty FROM schema_migrations") == "2|f"


def test_an_alembic_downgrade_blocked_by_a_lock_gives_up_and_names_who_holds_it(
    host, site, cluster, tmp_path
):
    """The same with alembic: its connection (libpq) takes lock_timeout from PGOPTIONS.
    Its exit status is said in words (it read 'exit status 122', which the commander had
    to look up). Then the bad delivery's own schema change holding orders (ACCESS
    EXCLUSIVE, its transaction open): the reads of the named tables (the precheck's before,
    the downgrade's own) waited behind it for the whole command timeout, saying nothing of
    the lock; they wait lock_timeout too, and the line says why they stopped."""
    config = _alembic_config(host, site, cluster, tmp_path, REVISIONS, "timeout = 60\n")
    said = _failed_on_the_lock(cluster, config, tmp_path / "state", "schema-down")
    assert "lock timeout" in said, said
    # alembic's transaction rolled back: said as the sql preset says it (exit 122)
    assert (
        "failed at restore · action: non-zero exit: exit status 122: nothing changed there,"
        " its transaction rolled back — rolled back: the database is as before (alembic"
        " revision 0002"
    ) in said, said
    assert "storefront" in said and "idle in transaction" in said, said
    assert columns(cluster) == ["id", "item", "note"]

    _read_refused_on_the_lock(cluster, config, tmp_path / "locked", "schema-down", "1s")
    assert columns(cluster) == ["id", "item", "note"]

    # alembic's own read (`alembic current`, asked before the yes) behind a migration that
    # holds alembic_version (an env.py's LOCK TABLE against two running at once): it said
    # 'alembic current failed in /home/...' and nothing more, the lock and its holder
    # only in a traceback in the scrolled output
    session = _holding_orders(cluster, "LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
    try:
        held = run_console(config, tmp_path / "held", "schema-down", "lock_timeout=500ms")
    finally:
        session.kill()
        session.wait()
    not_started = "not started, nothing sent: revision=previous could not be resolved on db-1: "
    said = held.stdout.strip().splitlines()[-1].split(not_started, 1)[-1]  # the run's last line
    assert said.startswith("alembic current failed in "), said
    assert (
        ": sqlalchemy.exc.OperationalError: (psycopg.errors.LockNotAvailable) canceling"
        " statement due to lock timeout; in a transaction on shop then: pid "
    ) in said, said
    assert "storefront" in said and "idle in transaction" in said, said
    # the lock's holder stops it, not the revision: it read '...: end it, or retry once it
    # is done; fix it there, or run again naming it (--param revision=VALUE), or on fewer
    # hosts (--hosts)', advice that would meet the same lock
    assert said.split("; journal ", 1)[0].endswith(": end it, or retry once it is done"), said


def _read_refused_on_the_lock(
    db: pg.Cluster, config, state, strategy: str, lock_timeout: str
) -> None:
    """Run `strategy` while the bad delivery's schema change holds orders (ACCESS
    EXCLUSIVE, its transaction open): its precheck's read of the rows gives up after
    `lock_timeout` (not the command's timeout), naming who holds it."""
    session = _holding_orders(db, "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
    try:
        locked = run_console(config, state, strategy, f"lock_timeout={lock_timeout}")
    finally:
        session.kill()
        session.wait()
    assert locked.failed_stage() == "precheck", locked.stdout + locked.stderr
    [said] = [x for x in locked.stdout.splitlines() if x.startswith("  db-1: failed at ")]
    assert "non-zero exit" in said, said  # not the command's timeout
    assert (
        "cannot read the tables orders: canceling statement due to lock timeout; in a"
        " transaction on shop then: pid "
    ) in said, said
    assert "storefront" in said and "idle in transaction" in said, said


def test_a_restore_whose_tables_are_locked_gives_up_reading_them_and_names_who_holds_it(
    host, cluster, tmp_path
):
    """Walked on real PostgreSQL 15 over real sshd: a postgres-basebackup restore while the
    bad delivery's schema change held orders (ACCESS EXCLUSIVE, its transaction open). The
    precheck's count of the rows before waited behind it for the whole command timeout
    ('timeout: no exit within 60 s; TERM sent ...'), saying nothing of the lock: the
    restores' sessions had no lock_timeout (the verify's and the undo's reads neither).
    They take it as the migration presets' do: the precheck gives up, nothing staged, and
    its line names who holds the lock."""
    from tests.test_presets_postgres import strategies

    shop(cluster, "CREATE TABLE orders (id int PRIMARY KEY, item text)")
    (cluster.backups / "nightly").mkdir(parents=True)  # its tables are read before it is
    strategy = strategies(cluster).replace(
        '{ name = "tables", default = "orders,customers" },',
        '{ name = "tables", default = "orders" },\n  { name = "database", default = "shop" },',
    )
    strategy = strategy.replace(
        'preset = "postgres-basebackup"\n', 'preset = "postgres-basebackup"\ntimeout = 60\n'
    )
    config = write_config(tmp_path / "config", host, strategy, host.home("work"))
    _read_refused_on_the_lock(cluster, config, tmp_path / "state", "restore", "300ms")
    assert [p.name for p in cluster.root.iterdir() if ".staged-" in p.name] == []


async def test_a_reversal_whose_session_is_ended_says_its_commit_is_not_known(
    host, cluster, tmp_path
):
    """A DBA ends the reversal's session while it waits for the lock (pg_terminate_backend):
    psql exits 2, its connection lost, and cannot know whether the COMMIT was reached. The
    host's line said 'rolled back: the database is as before', which only a statement's
    error (psql's exit 3) shows; it now says what is not known, and the host stays changed
    for the undo, which reads the version and refuses: the transaction had not committed."""
    migrations = _migrated(host, cluster, SQL_MIGRATIONS, "single-row")
    strategy = _sql_strategy(cluster, migrations).replace(
        "params = [\n", 'timeout = 60\nparams = [\n  { name = "lock_timeout", default = "0" },\n'
    )
    config = write_config(tmp_path / "config", host, strategy, host.home("work"))
    session = _holding_orders(cluster)
    waiting = "FROM pg_stat_activity WHERE datname = 'shop' AND wait_event_type = 'Lock'"

    def end_the_waiting_session() -> None:
        deadline = time.monotonic() + 60
        while shop(cluster, f"SELECT count(*) {waiting}") != "1" and time.monotonic() < deadline:
            time.sleep(0.05)
        shop(cluster, f"SELECT pg_terminate_backend(pid) {waiting}")

    ender = threading.Thread(target=end_the_waiting_session)
    ender.start()
    try:
        outcome = run_console(config, tmp_path / "state", "sql-down")
    finally:
        ender.join()
        session.kill()
        session.wait()
    assert outcome.returncode == 1 and outcome.failed_stage() == "action", outcome.stdout
    [said] = [x for x in outcome.stdout.splitlines() if x.startswith("  db-1: failed at ")]
    assert "rolled back" not in said, said
    assert "psql ended with status 2 (" in said, said
    assert "FATAL:  terminating connection due to administrator command)" in said, said
    assert "whether the transaction committed is not known" in said, said
    assert "may have changed db-1 (its action failed there)" in outcome.stdout, outcome.stdout
    assert columns(cluster) == ["id", "item", "note"]

    journal = tmp_path / "state" / "incident-sql-down"
    ok, _state = await undo(config, journal)
    assert not ok  # refused on the host: the up file never runs over version 2
    assert shop(cluster, "SELECT version, dirty FROM schema_migrations") == "2|f"
    said = (journal / "output.jsonl").read_text()
    assert "schema version is 2, not 1 where this incident's reversal left it" in said
    summary = build_document(read_journal(journal / "journal.jsonl").events).summary.paragraph
    assert "An undo was refused on 1 host (db-1): it found nothing of this" in summary, summary
    assert "undone since" not in summary
