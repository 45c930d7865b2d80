"""A migration reversal keeps the PGOPTIONS its host's sessions get, adding lock_timeout
to it (the sql and alembic presets).

The application's account reaches its tables through a search_path set in its sessions'
PGOPTIONS (here sshd_config's SetEnv, as a profile or PAM environment would). The presets
set PGOPTIONS to '-c lock_timeout=10s' for the reversal, replacing the host's: the precheck
(with the host's value) read schema version 2 in app.schema_migrations and planned the
down file, then the action ran it in public: 'relation "orders" does not exist', the
reversal failed. A public.orders of another application's would have lost its column."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import pg, pgrig, sshd
from tests import test_presets_migrations as migrations_tests
from tests.pgrig import run_console, write_config
from tests.test_presets_migrations import (
    REVISIONS,
    SQL_MIGRATIONS,
    _alembic_config,
    _own,
    _sql_strategy,
    columns,
    shop,
)

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
pg_cluster = pgrig.cluster  # fixture
site = migrations_tests.site  # fixture: alembic on the host

SEARCH_PATH = 'SetEnv "PGOPTIONS=-c search_path=app"'


@pytest.fixture(scope="module")
def host(
    tmp_path_factory: pytest.TempPathFactory, sshd_account: sshd.Account
) -> Iterator[pgrig.PgHost]:
    """The sshd's sessions get PGOPTIONS with the application's search_path."""
    from tests.conftest import require_postgres

    tmp = tmp_path_factory.mktemp("sshd")
    yield from pgrig.pg_host(tmp, sshd_account, require_postgres(), SEARCH_PATH)


@pytest.fixture
def cluster(pg_cluster: pg.Cluster) -> pg.Cluster:
    """Database shop, its schema app (public is left empty, as the application's own
    account never uses it)."""
    pg_cluster.sql("CREATE DATABASE shop")
    shop(pg_cluster, "CREATE SCHEMA app")
    return pg_cluster


def test_a_sql_reversal_runs_in_the_search_path_of_the_hosts_pgoptions(host, cluster, tmp_path):
    migrations = host.home("migrations")
    for name, text in SQL_MIGRATIONS.items():
        (migrations / name).write_text(text)
    _own(migrations, host.account)
    shop(
        cluster,
        "SET search_path = app;\n"
        + "".join(SQL_MIGRATIONS[n] for n in sorted(SQL_MIGRATIONS) if n.endswith(".up.sql"))
        + "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);\n"
        "INSERT INTO schema_migrations VALUES (2, false);\n"
        "INSERT INTO orders VALUES (1, 'tea', 'gift'), (2, 'cups', NULL);",
    )
    config = write_config(
        tmp_path / "config", host, _sql_strategy(cluster, migrations), host.home("work")
    )

    outcome = run_console(config, tmp_path / "state", "sql-down")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert columns(cluster) == ["id", "item"]
    assert shop(cluster, "SELECT version, dirty FROM app.schema_migrations") == "1|f"
    assert outcome.integrity("after")["verdict"] == "match"


def test_an_alembic_downgrade_runs_in_the_search_path_of_the_hosts_pgoptions(
    host, site, cluster, tmp_path
):
    config = _alembic_config(host, site, cluster, tmp_path, REVISIONS, schema="app")

    outcome = run_console(config, tmp_path / "state", "schema-down")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert columns(cluster) == ["id", "item"]
    assert shop(cluster, "SELECT version_num FROM app.alembic_version") == "0001"
    assert outcome.integrity("after")["verdict"] == "match"
