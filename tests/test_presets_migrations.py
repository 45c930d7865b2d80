"""The migration-reversal presets against a real PostgreSQL, over real sshd, through
`rollback-console run`: `alembic downgrade` run by the host's own alembic, and
down-migration SQL files in one transaction."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.engine.errors import ProcedureError
from console.journal.export.document import build_document
from console.journal.export.inert import cell
from console.journal.export.markdown import render_markdown
from console.journal.export.systems import build_integrity
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import fold
from console.model.status import ROLLED_BACK
from console.ui.screens.assessment import recovery_lines
from tests import hostpython, pg, pgrig, sshd
from tests.pgrig import connection, run_console, undo, write_config

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, pg_cluster = pgrig.host, pgrig.cluster  # fixtures

ALEMBIC_ENV = """\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
engine = engine_from_config(
    config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
)
with engine.connect() as connection:
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
"""

REVISIONS = {
    "0001_orders.py": """\
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.create_table(
        "orders", sa.Column("id", sa.Integer, primary_key=True), sa.Column("item", sa.Text)
    )


def downgrade():
    op.drop_table("orders")
""",
    "0002_note.py": """\
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("orders", sa.Column("note", sa.Text))


def downgrade():
    op.drop_column("orders", "note")
""",
}

SQL_MIGRATIONS = {
    "000001_orders.up.sql": "CREATE TABLE orders (id int PRIMARY KEY, item text);\n",
    "000001_orders.down.sql": "DROP TABLE orders;\n",
    "000002_note.up.sql": "ALTER TABLE orders ADD COLUMN note text;\n",
    "000002_note.down.sql": "ALTER TABLE orders DROP COLUMN note;\n",
}


@pytest.fixture(scope="module")
def site(host):
    """alembic, SQLAlchemy and psycopg deployed on the host, as an app's dependencies."""
    target = host.home("site-packages")
    yield hostpython.vendor(["alembic", "psycopg"], target, host.account.uid, host.account.gid)


@pytest.fixture
def cluster(pg_cluster):
    """The cluster, its database shop made."""
    pg_cluster.sql("CREATE DATABASE shop")
    return pg_cluster


def _own(root: Path, account: sshd.Account) -> None:
    for path in [root, *root.rglob("*")]:
        os.lchown(path, account.uid, account.gid)


def columns(cluster: pg.Cluster) -> list[str]:
    return cluster.sql(
        "\\c shop\nSELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'orders' ORDER BY ordinal_position"
    ).split()


def shop(cluster: pg.Cluster, query: str) -> str:
    return cluster.sql(f"\\c shop\n{query}")


def _alembic_config(
    host,
    site,
    cluster: pg.Cluster,
    tmp_path: Path,
    revisions: dict,
    extra: str = "",
    schema: str = "public",
) -> Path:
    """An app with `revisions` upgraded to head, two orders, and strategy schema-down
    (`extra`: TOML after its params, e.g. its [strategies.commands]); its tables in
    `schema` (the search_path its account's PGOPTIONS sets)."""
    app = host.home("app")
    (app / "migrations/versions").mkdir(parents=True)
    (app / "migrations/env.py").write_text(ALEMBIC_ENV)
    (app / "migrations/script.py.mako").write_text("")
    for name, text in revisions.items():
        (app / "migrations/versions" / name).write_text(text)
    url = f"postgresql+psycopg://{host.account.name}@{pg.HOST}:{cluster.port}/shop"
    (app / "alembic.ini").write_text(
        f"[alembic]\nscript_location = migrations\nsqlalchemy.url = {url}\n"
    )
    alembic = hostpython.wrapper(
        app / "bin/alembic", "alembic", site, host.account.uid, host.account.gid
    )
    _own(app, host.account)
    up = f"cd {app} && PGOPTIONS='-c search_path={schema}' {alembic} upgrade head"
    cluster.run("sh", "-c", up, timeout=120)
    shop(
        cluster,
        f"SET search_path = {schema};\n"
        "INSERT INTO orders VALUES (1, 'tea', 'gift'), (2, 'cups', NULL)",
    )
    strategies = f"""\
[[strategies]]
name = "schema-down"
kind = "migration-reversal"
preset = "alembic"
params = [
  {{ name = "app_dir", default = "{app}" }},
  {{ name = "alembic", default = "{alembic}" }},
  {{ name = "database", default = "shop" }},
  {{ name = "tables", default = "orders" }},
{connection(cluster)}]
{extra}"""
    return write_config(tmp_path / "config", host, strategies, host.home("work"))


def test_alembic_downgrades_the_last_revision_and_keeps_the_rows(host, site, cluster, tmp_path):
    """First two mistakes a commander makes on a bad day, each refused on the host before
    anything changes there: a table misspelt in `tables` (it read as a check that passed:
    'rows of orderz unchanged', or nothing judged after a downgrade that succeeded), and a
    misspelt revision (it said 'prevous is not a revision below the current one'; then, in
    words, at the precheck: after the commander's yes, as a failed step). The table's is
    said alone, not followed by '--param revision=VALUE', which would change nothing; the
    revision's before the yes, naming those there are."""
    config = _alembic_config(host, site, cluster, tmp_path, REVISIONS)

    misspelt = run_console(config, tmp_path / "orderz", "schema-down", "tables=orderz")
    not_started(
        misspelt,
        "revision=previous could not be resolved on db-1: no table orderz in database shop"
        " (named in tables): its rows could not be checked; correct tables, then run it"
        " again; journal ",
    )
    prevous = run_console(config, tmp_path / "prevous", "schema-down", "revision=prevous")
    named_refused(
        prevous,
        "revision=prevous is refused on db-1: no revision prevous in alembic's history (did"
        " you mean previous?): nothing downgraded; name previous, base or a revision below"
        " 0002 (0001, base); run again naming it (--param revision=VALUE), or on fewer hosts"
        " (--hosts)",
    )
    assert shop(cluster, "SELECT version_num FROM alembic_version") == "0002"

    outcome = run_console(config, tmp_path / "state", "schema-down")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert columns(cluster) == ["id", "item"]
    assert shop(cluster, "SELECT version_num FROM alembic_version") == "0001"
    assert shop(cluster, "SELECT item FROM orders ORDER BY id").split() == ["tea", "cups"]
    after = outcome.integrity("after")
    assert (after["rows"], after["expected"]["rows"], after["verdict"]) == (
        {"orders": 2},
        {"orders": 2},
        "match",
    )
    # the plan as alembic's history says it, without the ", " of an empty message
    undone = [ln for ln in outcome.stdout.splitlines() if "0001 -> 0002" in ln]
    assert undone and not any(ln.rstrip().endswith(",") for ln in undone), outcome.stdout
    # row counts only: the headless lines say so, and claim no checksum
    assert "integrity before: recorded (database shop: orders=2)" in outcome.stdout
    # what the match held it to: the rows as before, nothing more (it read "match" alone,
    # and the document "match, as expected" as if a count had been expected of it)
    kept = "the rows of orders the same as before restore ran"
    assert f"integrity after: match (database shop: orders=2): {kept}" in outcome.stdout
    assert after["restored"] == "alembic revision 0001 (from 0002)"
    # what the verify checked, said in the document (its section said only that the rows
    # matched)
    assert after["checks"] == ["alembic current is 0001, the target"], after
    section = render_markdown(outcome.events).split("## Data integrity")[1].split("\n## ")[0]
    assert (
        "- **db-1** (restore, schema-down): alembic current is 0001, the target; row counts"
        f" orders 2 in database shop: match: {kept}"
    ) in section, section

    # a second incident: `previous` would now drop the table; refused, nothing changed
    again = run_console(config, tmp_path / "again", "schema-down")
    assert again.refused(), again.stdout  # nothing to do there: exit 3, not failed
    assert "already downgraded to 0001 (from 0002, incident " in again.stdout
    assert shop(cluster, "SELECT item FROM orders ORDER BY id").split() == ["tea", "cups"]


def not_started(outcome: pgrig.Outcome, said: str) -> None:
    """`run` stopped before the strategy step, nothing sent for it, saying `said`."""
    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    assert not [e for e in outcome.events if e.kind == Kind.COMMAND_INTENT and e.where.step]
    assert f"not started, nothing sent: {said}" in outcome.stdout, outcome.stdout


def named_refused(outcome: pgrig.Outcome, said: str) -> None:
    """`run` refused a value named outright (`--param`) that the host lacks, asked before
    anything is sent: exit 2, no incident, in the step's words."""
    assert outcome.returncode == 2 and outcome.events == [], outcome.stdout + outcome.stderr
    assert f"not started, nothing sent: {said}" in outcome.stderr, outcome.stderr


def _sql_strategy(cluster: pg.Cluster, migrations: Path, bookkeeping: str = "single-row") -> str:
    return f"""\
[[strategies]]
name = "sql-down"
kind = "migration-reversal"
preset = "sql"
params = [
  {{ name = "migrations_dir", default = "{migrations}" }},
  {{ name = "bookkeeping", default = "{bookkeeping}" }},
  {{ name = "database", default = "shop" }},
  {{ name = "tables", default = "orders" }},
{connection(cluster)}]
"""


# golang-migrate keeps one row (version, dirty); Rails and dbmate a row per migration.
BOOKKEEPING = {
    "single-row": "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);\n"
    "INSERT INTO schema_migrations VALUES (2, false);\n",
    "row-per-version": "CREATE TABLE schema_migrations (version varchar PRIMARY KEY);\n"
    "INSERT INTO schema_migrations VALUES ('1'), ('2');\n",
}
RECORDED = {
    "single-row": ("SELECT version, dirty FROM schema_migrations", "2|f", "1|f"),
    "row-per-version": (
        "SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations",
        "1,2",
        "1",
    ),
}


def _migrated(host, cluster: pg.Cluster, files: dict[str, str], bookkeeping: str) -> Path:
    """The migration files on the host, applied up as the migration tool would have."""
    migrations = host.home("migrations")
    for name, text in files.items():
        (migrations / name).write_text(text)
    _own(migrations, host.account)
    ups = "".join(files[n] for n in sorted(files) if n.endswith(".up.sql"))
    shop(
        cluster,
        ups
        + BOOKKEEPING[bookkeeping]
        + "INSERT INTO orders VALUES (1, 'tea', 'gift'), (2, 'cups', NULL);",
    )
    return migrations


@pytest.mark.parametrize("bookkeeping", sorted(BOOKKEEPING))
async def test_sql_down_files_run_in_one_transaction_with_the_version(
    host, cluster, tmp_path, bookkeeping
):
    migrations = _migrated(host, cluster, SQL_MIGRATIONS, bookkeeping)
    workdir = host.home("work")
    strategy = _sql_strategy(cluster, migrations, bookkeeping)
    config = write_config(tmp_path / "config", host, strategy, workdir)
    query, before, after = RECORDED[bookkeeping]

    outcome = run_console(config, tmp_path / "state", "sql-down")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert columns(cluster) == ["id", "item"]
    assert shop(cluster, query) == after
    assert shop(cluster, "SELECT count(*) FROM orders") == "2"
    assert outcome.integrity("after")["verdict"] == "match"
    # what the schema was brought back to, as data: the document said only that the rows
    # matched, the versions and the file reversed were in the verify's raw output alone
    restored = "schema version 1 (from 2, reversing 000002_note.down.sql)"
    assert outcome.integrity("after")["restored"] == restored
    section = render_markdown(outcome.events).split("## Data integrity")[1].split("\n## ")[0]
    head, _, row = section.strip().split("\n\n")[0].splitlines()  # the table
    assert head.endswith("| Verdict | Restored to |") and row.endswith(f"| {cell(restored)} |"), (
        section
    )
    checked = "the schema version is 1, the target (schema_migrations)"
    assert outcome.integrity("after")["checks"] == [checked]
    assert (
        f"- **db-1** (restore, sql-down): {checked}; row counts orders 2 in database shop:"
        " match: the rows of orders the same as before restore ran"
    ) in section, section
    # and so does the console's integrity screen (i), under its table (it read ✔ match alone)
    state = fold(outcome.events)
    checks = build_integrity(state)
    # the host's line on the execution screen says what it did, not the integrity record
    # it printed last (it read "integrity stage=after database=shop rows.orders=2")
    assert state.step("restore").hosts["db-1"].said() == f"restored to {restored}"
    assert "db-1 (restore): match: the rows of orders the same as before restore ran" in (
        recovery_lines(checks).splitlines()
    )

    # undo (Conductor.undo on the same journal): the up file and the version back, in one transaction
    ok, state = await undo(config, tmp_path / "state" / "incident-sql-down")
    assert ok
    assert columns(cluster) == ["id", "item", "note"]
    assert shop(cluster, query) == before
    undone = state.integrity[-1]
    assert (undone["stage"], undone["rows"], undone["verdict"]) == ("after", {"orders": 2}, "match")
    assert undone["restored"] == (
        "schema version 2 (from 1, re-applying 000002_note.up.sql): the undo of this"
        " incident's reversal"
    )


def test_a_failing_down_file_changes_nothing(host, cluster, tmp_path):
    files = {
        **SQL_MIGRATIONS,
        # drops the column, then fails: the drop must not survive
        "000002_note.down.sql": "ALTER TABLE orders DROP COLUMN note;\nSELECT 1 / 0;\n",
    }
    migrations = _migrated(host, cluster, files, "single-row")
    workdir = host.home("work")
    config = write_config(tmp_path / "config", host, _sql_strategy(cluster, migrations), workdir)
    # a target named outright is asked of the host before the yes, as previous is: one no
    # migration file has is refused there, nothing sent (it was refused at the precheck,
    # after the yes, as above the schema's version), naming those it could be
    above = run_console(config, tmp_path / "above", "sql-down", "target=5")
    named_refused(
        above,
        f"target=5 is refused on db-1: no migration version 5 in {migrations}: nothing"
        " reversed; name previous, 0 or a version below 2 (1); run again naming it",
    )
    # a version table misspelt, a version with no down file: what to correct is said, not a
    # target to name (it read 'no single down migration for version 2 in DIR; fix it there,
    # or run again naming it (--param target=VALUE)', which no target mends)
    table = run_console(config, tmp_path / "table", "sql-down", "version_table=schema_migration")
    not_started(
        table,
        "target=previous could not be resolved on db-1: no table schema_migration in database"
        " shop (named in version_table): the migrations' version is not recorded there;"
        " correct version_table or database, then run it again\n",
    )
    no_down = host.home("no-down")
    (no_down / "000002_note.up.sql").write_text(files["000002_note.up.sql"])
    _own(no_down, host.account)
    lacking = run_console(config, tmp_path / "no-down", "sql-down", f"migrations_dir={no_down}")
    not_started(
        lacking,
        "target=previous could not be resolved on db-1: no down migration for version 2 in"
        f" {no_down} (named in migrations_dir): nothing"
        " reverses 000002_note.up.sql; write its .down.sql, then run it again\n",
    )

    outcome = run_console(config, tmp_path / "state", "sql-down")

    assert outcome.returncode == 1
    assert outcome.failed_stage() == "action"
    assert columns(cluster) == ["id", "item", "note"]
    assert shop(cluster, "SELECT version, dirty FROM schema_migrations") == "2|f"
    # the host's line said 'rolled back: the database is as before', the error a line up
    # (walked on a real cluster)
    [said] = [x for x in outcome.stdout.splitlines() if x.startswith("  db-1: failed at ")]
    assert said.endswith(
        "rolled back: the database is as before (000002_note.down.sql:2: ERROR:  division by zero)"
    ), said
    # the last lines said '“Restore the data” may have changed db-1 (its action failed
    # there): to put it back, rollback-console undo ...' beside the host's own 'rolled back:
    # the database is as before' (walked on a real cluster): its transaction rolled back,
    # nothing changed, no undo is named
    assert "may have changed" not in outcome.stdout, outcome.stdout
    assert "rollback-console undo" not in outcome.stdout, outcome.stdout
    # and the undo, asked for all the same, says why there is nothing to undo
    undo = subprocess.run(
        [sys.executable, "-m", "console", "--config", str(config), "undo",
         str(tmp_path / "state" / "incident-sql-down"), "restore", "--hosts", "db-1"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )  # fmt: skip
    assert undo.returncode == 2, undo.stdout + undo.stderr
    assert (
        "changed nothing on 'db-1' (its action failed: rolled back: the database is as before"
    ) in undo.stderr, undo.stderr


def test_an_alembic_downgrade_failing_halfway_says_why_and_where_it_left(
    host, site, cluster, tmp_path
):
    """Walked on real sshd: a downgrade that drops a column, then fails on a misspelt one.
    The host's line (what the run's last lines, the screens and the document's summary
    show) was SQLAlchemy's closing '(Background on this error at: https://sqlalche.me/
    e/21/f405)', under a traceback; the error and where the database stayed were not in
    it. It now ends 'rolled back: the database is as before (alembic revision 0002, ...):
    alembic downgrade to 0001 failed: <the error>': its transaction rolled back, the
    column still there, and the action exits 122, so the run names no undo for it (it said
    'may have changed db-1 ...: to put it back, rollback-console undo ...', and that undo
    refused: 'nothing to undo'; tests/test_alembic_rolled_back_pg.py has the downgrade
    that committed a part of itself)."""
    revisions = {
        **REVISIONS,
        "0002_note.py": REVISIONS["0002_note.py"].replace(
            'op.drop_column("orders", "note")',
            'op.drop_column("orders", "note")\n    op.execute("ALTER TABLE orders DROP COLUMN nte")',
        ),
    }
    config = _alembic_config(host, site, cluster, tmp_path, revisions)

    outcome = run_console(config, tmp_path / "state", "schema-down")

    assert outcome.returncode == 1 and outcome.failed_stage() == "action", outcome.stdout
    [line] = [x for x in outcome.stdout.splitlines() if x.startswith("  db-1: failed at ")]
    assert line.endswith(
        "rolled back: the database is as before (alembic revision 0002, its schema and the rows"
        " of orders unchanged in database shop): alembic downgrade to 0001 failed:"
        " sqlalchemy.exc.ProgrammingError:"
        ' (psycopg.errors.UndefinedColumn) column "nte" of relation "orders" does not exist'
    ), line
    assert shop(cluster, "SELECT version_num FROM alembic_version") == "0002"
    assert columns(cluster) == ["id", "item", "note"]
    [action] = [
        e.data for e in outcome.events if e.kind == Kind.COMMAND_RESULT and e.data.stage == "action"
    ]
    assert action.exit_status == ROLLED_BACK, action
    assert (
        "may have changed" not in outcome.stdout and "rollback-console undo" not in outcome.stdout
    )


async def test_sql_previous_never_reverses_a_second_version(host, cluster, tmp_path):
    """After a reversal to version 1, `previous` would reverse version 1 too (DROP TABLE
    orders). The same incident run again checks where it left the schema, changing
    nothing; a second incident is refused at the precheck, the table and rows intact."""
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.model.loading import load_settings
    from console.model.triggers import TriggerKind
    from tests.events_factory import recorder_in

    migrations = _migrated(host, cluster, SQL_MIGRATIONS, "single-row")
    config = write_config(
        tmp_path / "config", host, _sql_strategy(cluster, migrations), host.home("work")
    )
    settings = load_settings(config)
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident("reversed", "inc-reversed")
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "test")
    conductor.select(["db"])
    conductor.choose_strategy("sql-down", {})
    try:
        assert await conductor.run_step("restore")
        assert await conductor.run_step("restore")  # again, in the same incident
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    assert shop(cluster, "SELECT version, dirty FROM schema_migrations") == "1|f"
    assert columns(cluster) == ["id", "item"]

    again = run_console(config, tmp_path / "state", "sql-down")

    assert again.refused(), again.stdout  # nothing to do there: exit 3, not failed
    assert "already reversed to version 1 (from 2, incident inc-reversed)" in again.stdout
    # the data-touching strategy ran its precheck: the document never says it did not run
    document = render_markdown(again.events)
    section = document.split("## Data integrity", 1)[1].split("##", 1)[0]
    assert section.strip() == "No integrity record was taken: nothing to compare.", section
    assert columns(cluster) == ["id", "item"]
    assert shop(cluster, "SELECT count(*) FROM orders") == "2"


async def test_sql_undo_never_applies_an_up_file_twice(host, cluster, tmp_path):
    """A down file failed: its transaction rolled back, the schema is still at version 2.
    The undo must not run version 2's up file again on it."""
    files = {
        **SQL_MIGRATIONS,
        # an up file that runs again without an error, changing rows each time
        "000002_note.up.sql": "ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;\n"
        "UPDATE orders SET item = item || ' (v2)';\n",
        "000002_note.down.sql": "ALTER TABLE orders DROP COLUMN note;\nSELECT 1 / 0;\n",
    }
    migrations = _migrated(host, cluster, files, "single-row")
    config = write_config(
        tmp_path / "config", host, _sql_strategy(cluster, migrations), host.home("work")
    )
    outcome = run_console(config, tmp_path / "state", "sql-down")
    assert (outcome.returncode, outcome.failed_stage()) == (1, "action")

    journal = tmp_path / "state" / "incident-sql-down"
    # its transaction rolled back (exit 122): nothing to undo, nothing sent (the preset's
    # own refusal, where the host is counted changed: test_migration_lock_pg)
    with pytest.raises(
        ProcedureError, match=r"changed no host \(.*their transactions rolled back\)"
    ):
        await undo(config, journal)

    assert shop(cluster, "SELECT item FROM orders ORDER BY id").split() == ["tea", "cups"]
    assert shop(cluster, "SELECT version, dirty FROM schema_migrations") == "2|f"
    # the document never says the rollback was undone, nor that it may have changed db-1
    summary = build_document(read_journal(journal / "journal.jsonl").events).summary.paragraph
    assert "undone since" not in summary and "may have changed" not in summary, summary


async def test_sql_undo_puts_back_its_own_reversal_after_a_later_incident_planned(
    host, cluster, tmp_path
):
    """Incident A reversed 2 -> 1; incident B (target 0) planned 1 -> 0 and its down file
    failed. A's undo re-applies version 2, not B's plan."""
    files = {**SQL_MIGRATIONS, "000001_orders.down.sql": "DROP TABLE orders;\nSELECT 1 / 0;\n"}
    migrations = _migrated(host, cluster, files, "single-row")
    config = write_config(
        tmp_path / "config", host, _sql_strategy(cluster, migrations), host.home("work")
    )
    assert run_console(config, tmp_path / "a", "sql-down").returncode == 0
    later = run_console(config, tmp_path / "b", "sql-down", "target=0")
    assert (later.returncode, later.failed_stage()) == (1, "action")

    ok, _state = await undo(config, tmp_path / "a" / "incident-sql-down")

    assert ok
    assert columns(cluster) == ["id", "item", "note"]
    assert shop(cluster, "SELECT version, dirty FROM schema_migrations") == "2|f"


async def test_alembic_undo_upgrades_only_what_its_own_downgrade_took(
    host, site, cluster, tmp_path
):
    """Incident A downgraded 0002 -> 0001; incident B (revision base) then failed in
    0001's downgrade. A's undo ran `alembic upgrade 0001` (B's from): a no-op it reported
    as 'alembic revision back to 0001', succeeded, the note column still gone. Now it
    upgrades to A's 0002."""
    revisions = dict(REVISIONS)
    revisions["0001_orders.py"] = revisions["0001_orders.py"].replace(
        'op.drop_table("orders")', 'raise RuntimeError("0001 cannot go down")'
    )
    config = _alembic_config(host, site, cluster, tmp_path, revisions)
    assert run_console(config, tmp_path / "a", "schema-down", "lock_timeout=1s").returncode == 0
    later = run_console(config, tmp_path / "b", "schema-down", "revision=base")
    assert (later.returncode, later.failed_stage()) == (1, "action"), later.stdout

    # First while the application holds orders: the upgrade gives up on its lock, and its
    # line said SQLAlchemy's '(Background on this error at: https://sqlalche.me/...)'
    from tests.test_migration_lock_pg import _holding_orders

    session = _holding_orders(cluster)
    try:
        ok, state = await undo(config, tmp_path / "a" / "incident-schema-down")
    finally:
        session.kill()
        session.wait()
    assert not ok
    said = state.step("restore.undo").hosts["db-1"].last_error or ""
    assert said.startswith("alembic upgrade to 0002 failed: sqlalchemy.exc.OperationalError:"), said
    assert "lock timeout; in a transaction on shop then: pid " in said, said
    assert "storefront" in said, said

    ok, _state = await undo(config, tmp_path / "a" / "incident-schema-down")

    assert ok
    assert shop(cluster, "SELECT version_num FROM alembic_version") == "0002"
    assert columns(cluster) == ["id", "item", "note"]


def test_run_json_has_the_data_before_and_after(host, cluster, tmp_path):
    """Walking the presets headless: `run --json` of a migration reversal (or a restore)
    had the hosts' results and the steps, and nothing of the data: a pipeline reading it
    could not tell the rows kept, nor the schema version reached. It has the document's
    integrity records now."""
    import json
    import subprocess
    import sys

    migrations = _migrated(host, cluster, SQL_MIGRATIONS, "single-row")
    config = write_config(
        tmp_path / "config", host, _sql_strategy(cluster, migrations), host.home("work")
    )
    argv = [
        sys.executable, "-m", "console", "--config", str(config), "run", "--systems", "db",
        "--strategy", "sql-down", "--trigger", "data-corruption", "--reason", "bad migration",
        "--yes", "--json", "--journal", str(tmp_path / "state" / "incident"),
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)

    assert done.returncode == 0, done.stdout + done.stderr
    [record] = json.loads(done.stdout)["integrity"]
    assert (record["host"], record["step"], record["verdict"]) == ("db-1", "restore", "match")
    assert record["before"]["rows"] == record["after"]["rows"] == {"orders": 2}
    assert record["restored"] == "schema version 1 (from 2, reversing 000002_note.down.sql)"
