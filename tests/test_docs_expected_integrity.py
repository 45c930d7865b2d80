"""docs/strategies.md's way to write a backup's `expected-integrity`, run as written on a
real cluster, then judged by a real `postgres-basebackup` restore over real sshd: the
file counts the tables in the database the strategy measures, not in psql's default."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import pgrig
from tests import test_presets_postgres as recovery
from tests.pgrig import run_console

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]

host, cluster = pgrig.host, pgrig.cluster  # fixtures
DOC = Path(__file__).resolve().parent.parent / "docs" / "strategies.md"


def _docs_snippet() -> str:
    """The shell block under "What to expect after a restore"."""
    section = DOC.read_text().split("### What to expect after a restore", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_documented_expected_integrity_is_what_the_restore_measures(host, cluster, tmp_path):
    snippet = _docs_snippet()
    cluster.sql("CREATE DATABASE orders")
    cluster.sql("\\c orders\n" + recovery.ORDERS)
    # psql's default database (here $PGDATABASE, postgres) has an orders table of its own
    cluster.sql("CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)")
    backup = cluster.backups / "nightly"
    cluster.run("bash", "-euc", f'dir="{backup}"\n{snippet}', timeout=120)
    assert (backup / "expected-integrity").read_text() == "rows.orders=3\n"

    cluster.sql("\\c orders\nDELETE FROM orders WHERE id = 3")
    config = recovery.configure(host, cluster, tmp_path)
    strategies = config / "strategies.toml"
    strategies.write_text(
        strategies.read_text().replace(
            '  { name = "tables", default = "orders,customers" },\n',
            '  { name = "tables", default = "orders,customers" },\n'
            '  { name = "database", default = "orders" },\n',
            1,  # the restore's
        )
    )

    outcome = run_console(config, tmp_path / "state", "restore")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    after = outcome.integrity("after")
    assert (after["database"], after["rows"]) == ("orders", {"orders": 3, "customers": 2})
    assert after["expected"]["rows"] == {"orders": 3}
    assert after["verdict"] == "match"
