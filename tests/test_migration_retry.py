"""A migration reversal retried in the same incident with a lower target: its undo still
brings the database back to where it was before the incident's first run (real sshd,
real PostgreSQL, the host's own alembic)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import pgrig
from tests import test_presets_migrations as migrations
from tests.pgrig import run_console, undo, write_config
from tests.test_presets_sshd import retried_in_one_incident

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]

host, pg_cluster = pgrig.host, pgrig.cluster  # fixtures
site, cluster = migrations.site, migrations.cluster  # fixtures: shop made
columns, shop = migrations.columns, migrations.shop


async def reversed_twice(
    config: Path, tmp_path: Path, strategy: str, lower: dict, between=None, again: bool = True
) -> Path:
    """One incident: the step with its default target, then (after `between()`) chosen
    again with `lower` and run again, as a commander going further down does; the second
    run's outcome is `again`. Its journal."""
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.model.loading import load_settings
    from console.model.triggers import TriggerKind
    from tests.events_factory import recorder_in

    settings = load_settings(config)
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident("further", "inc-further")
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "test")
    conductor.select(["db"])
    try:
        conductor.choose_strategy(strategy, {})
        assert await conductor.run_step("restore")
        if between:
            between()
        conductor.choose_strategy(strategy, lower)
        assert await conductor.run_step("restore") == again
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    return tmp_path / "one" / "journal.jsonl"


# a third version on top of the two of test_presets_migrations: its column, then its row(s)
SQL_3 = {
    **migrations.SQL_MIGRATIONS,
    "000003_shipped.up.sql": "ALTER TABLE orders ADD COLUMN shipped boolean;\n",
    "000003_shipped.down.sql": "ALTER TABLE orders DROP COLUMN shipped;\n",
}
AT_3 = {
    "single-row": ("UPDATE schema_migrations SET version = 3", "3|f"),
    "row-per-version": ("INSERT INTO schema_migrations VALUES ('3')", "1,2,3"),
}
ALEMBIC_3 = {
    **migrations.REVISIONS,
    "0003_shipped.py": migrations.REVISIONS["0002_note.py"]
    .replace('"0002"', '"0003"')
    .replace('"0001"', '"0002"')
    .replace('"note"', '"shipped"'),
}
ALL = ["id", "item", "note", "shipped"]


def at_version_3(host, cluster, tmp_path: Path, files: dict, bookkeeping: str) -> Path:
    """`files` applied up to version 3, and strategy sql-down on them."""
    applied = migrations._migrated(host, cluster, files, bookkeeping)
    shop(cluster, AT_3[bookkeeping][0])
    strategy = migrations._sql_strategy(cluster, applied, bookkeeping)
    return write_config(tmp_path / "config", host, strategy, host.home("work"))


@pytest.mark.parametrize("bookkeeping", sorted(migrations.BOOKKEEPING))
async def test_sql_undo_after_a_lower_retry_goes_back_to_the_first_version(
    host, cluster, tmp_path, bookkeeping
):
    """3 -> 2, then target 1 in the same incident: the retry's precheck replaced the
    incident's plan (2 only) and its from (2), so undo stopped at version 2, the shipped
    column gone, and said the schema was back. Now the undo re-applies 2 then 3."""
    config = at_version_3(host, cluster, tmp_path, SQL_3, bookkeeping)
    query, _before, _after = migrations.RECORDED[bookkeeping]
    at_3 = AT_3[bookkeeping][1]

    journal = await reversed_twice(config, tmp_path, "sql-down", {"target": "1"})
    assert columns(cluster) == ["id", "item"]

    ok, state = await undo(config, journal)
    assert ok, state.step("restore.undo").hosts["db-1"].said()
    assert columns(cluster) == ALL
    assert shop(cluster, query) == at_3


async def test_alembic_undo_after_a_lower_retry_goes_back_to_the_first_revision(
    host, site, cluster, tmp_path
):
    """0003 -> 0002, then revision 0001 in the same incident: undo ran `alembic upgrade
    0002` (the retry's from) and stopped there. Now it upgrades to 0003."""
    config = migrations._alembic_config(host, site, cluster, tmp_path, ALEMBIC_3)

    journal = await reversed_twice(config, tmp_path, "schema-down", {"revision": "0001"})
    assert columns(cluster) == ["id", "item"]

    ok, state = await undo(config, journal)
    assert ok, state.step("restore.undo").hosts["db-1"].said()
    assert shop(cluster, "SELECT version_num FROM alembic_version") == "0003"
    assert columns(cluster) == ALL


async def test_sql_undo_after_a_lower_retry_that_rolled_back(host, cluster, tmp_path):
    """3 -> 2, then target 1 whose down file fails (rolled back, still at 2): undo takes
    the schema from 2 back to 3, version 2's up file not run again on it."""
    failing = {
        **SQL_3,
        "000002_note.down.sql": "ALTER TABLE orders DROP COLUMN note;\nSELECT 1 / 0;\n",
    }
    config = at_version_3(host, cluster, tmp_path, failing, "single-row")

    journal = await reversed_twice(config, tmp_path, "sql-down", {"target": "1"}, again=False)
    assert columns(cluster) == ["id", "item", "note"]

    ok, state = await undo(config, journal)
    assert ok, state.step("restore.undo").hosts["db-1"].said()
    assert columns(cluster) == ALL
    assert shop(cluster, "SELECT version, dirty FROM schema_migrations") == "3|f"


async def test_sql_lower_retry_refused_where_the_schema_moved_since(host, cluster, tmp_path):
    """3 -> 2, then version 2 taken down by hand: a retry to 0 would plan from 1, and undo
    could not bring 3 back. Refused at the precheck, nothing changed."""

    def by_hand() -> None:
        shop(
            cluster, "ALTER TABLE orders DROP COLUMN note; UPDATE schema_migrations SET version = 1"
        )

    config = at_version_3(host, cluster, tmp_path, SQL_3, "single-row")
    journal = await reversed_twice(
        config, tmp_path, "sql-down", {"target": "0"}, by_hand, again=False
    )

    said = journal.parent.joinpath("output.jsonl").read_text()
    assert (
        "schema version is 1, not 2 where this incident's reversal left it, nor 3 where it"
        " began: it changed since, and undo could not bring 3 back" in said
    ), said
    assert columns(cluster) == ["id", "item"]


def health_file(host) -> tuple[str, Path]:
    """A strategy's health command that fails until its file exists: (TOML, the file)."""
    healthy = host.home("health") / "healthy"
    return f'[strategies.commands]\nhealth = "test -e {healthy}"\n', healthy


async def retried_then_named_again(
    config: Path, tmp_path: Path, strategy: str, healthy: Path, param: str, value: str
):
    """One incident whose health check fails, `healthy` made, retried with `param` named
    `value` (it must pass); then another incident naming it (refused: nothing to do,
    exit 3): its outcome."""
    await retried_in_one_incident(
        config, tmp_path, strategy, healthy.touch, {param: value}, system="db"
    )
    again = run_console(config, tmp_path / "again", strategy, f"{param}={value}")
    assert again.refused(), again.stdout
    return again


async def test_alembic_named_revision_retried_after_a_failed_check_checks_it_again(
    host, site, cluster, tmp_path
):
    """As the git preset's named revision: with `revision` named, a downgrade whose health
    check failed was retried in the same incident and refused at the precheck, "already at
    0001: nothing to downgrade", its check never run again. A retry of this incident's own
    downgrade checks it again; another incident naming it is still refused."""
    commands, healthy = health_file(host)
    config = migrations._alembic_config(host, site, cluster, tmp_path, ALEMBIC_3, commands)

    again = await retried_then_named_again(
        config, tmp_path, "schema-down", healthy, "revision", "0001"
    )
    assert shop(cluster, "SELECT version_num FROM alembic_version") == "0001"
    assert columns(cluster) == ["id", "item"]
    assert "already at 0001: nothing to downgrade" in again.stdout


async def test_sql_named_target_retried_after_a_failed_check_checks_it_again(
    host, cluster, tmp_path
):
    """The sql preset's named target, as the alembic one ("version 1 is not above the
    target 1" on the retry of its own reversal); another incident is still refused, as
    nothing to do there (exit 3, not failed). Named as the files name it, 000001 is
    version 1: its verify expected "000001" and failed on version 1."""
    commands, healthy = health_file(host)
    applied = migrations._migrated(host, cluster, SQL_3, "single-row")
    shop(cluster, AT_3["single-row"][0])
    strategy = migrations._sql_strategy(cluster, applied) + commands
    config = write_config(tmp_path / "config", host, strategy, host.home("work"))

    again = await retried_then_named_again(
        config, tmp_path, "sql-down", healthy, "target", "000001"
    )
    assert shop(cluster, "SELECT version, dirty FROM schema_migrations") == "1|f"
    assert columns(cluster) == ["id", "item"]
    assert "already at version 1: nothing to reverse" in again.stdout


def test_a_health_command_after_the_verify_keeps_its_integrity_record(host, cluster, tmp_path):
    """A data preset with a health command of the strategy's own: the verify printed the
    integrity after, the health command ran after it, and the step was judged on the
    health command's output alone, "no integrity summary after the change": failed on
    every host, however well it went."""
    applied = migrations._migrated(host, cluster, migrations.SQL_MIGRATIONS, "single-row")
    strategy = (
        migrations._sql_strategy(cluster, applied) + '[strategies.commands]\nhealth = "true"\n'
    )
    config = write_config(tmp_path / "config", host, strategy, host.home("work"))

    outcome = run_console(config, tmp_path / "state", "sql-down")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    after = outcome.integrity("after")
    assert (after["rows"], after["verdict"]) == ({"orders": 2}, "match")
