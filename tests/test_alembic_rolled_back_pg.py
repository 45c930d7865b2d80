"""A failed alembic downgrade is said rolled back (exit 122, no undo named) only where the
database is as before it: one that committed a part of itself still names the undo.

Since a failed downgrade whose transaction rolled back says 'rolled back: the database is
as before' (tests/test_presets_migrations.py, the downgrade failing halfway), the action
compares the revision in the database and a sum of its schema (the catalogs: relations
with their files, columns, constraints, functions, types...) before and after it. Walked
on real PostgreSQL 15 over real sshd: revision 0002's downgrade dropped an index in an
autocommit block (committed at once), then failed on a misspelt column. alembic_version
still reads 0002, but the index is gone: not claimed rolled back, the line says the
schema changed, exit 1, and the run names the undo as before."""

from __future__ import annotations

import pytest

from console.model.events import Kind
from tests import pgrig
from tests import test_presets_migrations as migrations_tests
from tests.pgrig import run_console
from tests.test_presets_migrations import REVISIONS, _alembic_config, shop

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, pg_cluster = pgrig.host, pgrig.cluster  # fixtures
site = migrations_tests.site  # fixture: alembic on the host

COMMITTED_FIRST = """\
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("orders", sa.Column("note", sa.Text))
    op.create_index("orders_note", "orders", ["note"])


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("orders_note")
    op.drop_column("orders", "nte")
"""


@pytest.fixture
def cluster(pg_cluster):
    """The cluster, its database shop made."""
    pg_cluster.sql("CREATE DATABASE shop")
    return pg_cluster


def test_a_downgrade_that_committed_a_part_is_not_said_rolled_back(host, site, cluster, tmp_path):
    revisions = {**REVISIONS, "0002_note.py": COMMITTED_FIRST}
    config = _alembic_config(host, site, cluster, tmp_path, revisions)

    outcome = run_console(config, tmp_path / "state", "schema-down")

    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    # the index went in a transaction of its own; alembic still at 0002
    assert shop(cluster, "SELECT version_num FROM alembic_version") == "0002"
    indexes = shop(cluster, "SELECT indexname FROM pg_indexes WHERE tablename = 'orders'")
    assert "orders_note" not in indexes.split()
    [action] = [
        e.data for e in outcome.events if e.kind == Kind.COMMAND_RESULT and e.data.stage == "action"
    ]
    assert action.exit_status == 1, action
    said = outcome.stdout + outcome.stderr
    assert "rolled back: the database is as before" not in said, said
    assert (
        "the database is at alembic revision 0002, but its schema changed (a part of the"
        " downgrade committed outside its transaction)"
    ) in said, said
    assert "may have changed db-1 (its action failed there)" in said, said


DATA_COMMITTED_FIRST = """\
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.add_column("orders", sa.Column("note", sa.Text))


def downgrade():
    with op.get_context().autocommit_block():
        op.execute("DELETE FROM orders WHERE note IS NULL")
    op.drop_column("orders", "nte")
"""


def test_a_downgrade_that_committed_data_is_not_said_rolled_back(host, site, cluster, tmp_path):
    """Its schema and revision as before, but a row gone: a data migration's autocommit
    block (committed at once), then a misspelt column. The line said 'rolled back: the
    database is as before (alembic revision 0002, its schema unchanged ...)', exit 122, no
    undo named, with one of two orders deleted. The named tables' rows are compared too."""
    revisions = {**REVISIONS, "0002_note.py": DATA_COMMITTED_FIRST}
    config = _alembic_config(host, site, cluster, tmp_path, revisions)

    outcome = run_console(config, tmp_path / "state", "schema-down")

    assert shop(cluster, "SELECT count(*) FROM orders") == "1"  # 'cups' is gone
    assert shop(cluster, "SELECT version_num FROM alembic_version") == "0002"
    [action] = [
        e.data for e in outcome.events if e.kind == Kind.COMMAND_RESULT and e.data.stage == "action"
    ]
    said = outcome.stdout + outcome.stderr
    assert action.exit_status == 1, said
    assert outcome.returncode == 1, said
    assert "rolled back: the database is as before" not in said, said
    [line] = [x for x in outcome.stdout.splitlines() if x.startswith("  db-1: failed at ")]
    assert line.endswith(
        "the database is at alembic revision 0002, its schema unchanged, but the rows of"
        " orders changed in database shop (orders 2 → 1): a part of the downgrade committed"
        " outside its transaction, or another session wrote"
    ), line
    assert "may have changed db-1 (its action failed there)" in said, said


def test_a_rolled_back_downgrade_says_which_rows_it_found_as_before(host, site, cluster, tmp_path):
    """Rolled back: the line names the tables whose rows were found as before, not only
    the schema (what it checked is what it may claim)."""
    revisions = {
        **REVISIONS,
        "0002_note.py": DATA_COMMITTED_FIRST.replace(
            "    with op.get_context().autocommit_block():\n"
            '        op.execute("DELETE FROM orders WHERE note IS NULL")\n',
            '    op.execute("DELETE FROM orders WHERE note IS NULL")\n',
        ),
    }
    config = _alembic_config(host, site, cluster, tmp_path, revisions)

    outcome = run_console(config, tmp_path / "state", "schema-down")

    assert shop(cluster, "SELECT count(*) FROM orders") == "2"
    [line] = [x for x in outcome.stdout.splitlines() if x.startswith("  db-1: failed at ")]
    assert (
        "rolled back: the database is as before (alembic revision 0002, its schema and the"
        " rows of orders unchanged in database shop): alembic downgrade to 0001 failed: "
    ) in line, line
