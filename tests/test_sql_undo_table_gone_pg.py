"""The undo of a SQL migration reversal where the version table is gone: walked on a real
PostgreSQL 15 over real sshd, the database restored (an undone point-in-time recovery) to
before the table existed, `rollback-console undo` read psql's own error, "ERROR:  syntax
error at end of input / LINE 1: SELECT coalesce(max(version::numeric), 0) FROM / ^", and
failed the host (exit 1, "to go on once the cause is fixed"), as if a retry could mend it.
It is refused, nothing changed, naming the table and why (exit 3, the host refused)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests import pgrig
from tests.pgrig import run_console, write_config
from tests.test_presets_migrations import SQL_MIGRATIONS, _migrated, _sql_strategy, shop

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, pg_cluster = pgrig.host, pgrig.cluster  # fixtures


@pytest.fixture
def cluster(pg_cluster):
    """The cluster, its database shop made."""
    pg_cluster.sql("CREATE DATABASE shop")
    return pg_cluster


def test_an_undo_with_the_version_table_gone_is_refused_in_words(host, cluster, tmp_path):
    migrations = _migrated(host, cluster, SQL_MIGRATIONS, "single-row")
    config = write_config(
        tmp_path / "config", host, _sql_strategy(cluster, migrations), host.home("work")
    )
    outcome = run_console(config, tmp_path / "state", "sql-down")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    shop(cluster, "DROP TABLE schema_migrations")  # as a restore from before it leaves it

    undo = subprocess.run(
        [sys.executable, "-m", "console", "--config", str(config), "undo",
         str(tmp_path / "state" / "incident-sql-down"), "restore", "--yes"],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )  # fmt: skip

    said = undo.stdout + undo.stderr
    assert undo.returncode == 3, said  # refused on its host, nothing changed: not failed
    assert "syntax error" not in said and "^" not in said, said
    assert (
        "no table schema_migrations in database shop (named in version_table): the schema"
        " is not where this incident's reversal left it (restored from before it, or dropped"
        " since): nothing to undo"
    ) in said, said
    assert shop(cluster, "SELECT to_regclass('schema_migrations') IS NULL") == "t"
