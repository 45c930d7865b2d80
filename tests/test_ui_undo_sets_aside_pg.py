"""Undo confirmations at 80x24 on a real PostgreSQL over real sshd: u on the step. Seen: a
restore's never said that every write since the restore goes aside with the restored data
directory, not merged back; after an earlier undo had put the data back and its cluster had
not started, it said "puts back the data the recovery replaced", where the undo only
starts that cluster; a SQL migration reversal's said "puts back what the action changed"
while its host then printed "data the down migrations dropped does not come back". A
restore's first lines now say what the hosts answered, what goes aside or what it does
instead, and the yes is noted in the record with them; a migration's, what it does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.engine.conductor import Conductor
from console.engine.session import Engine
from console.engine.ssh import SshPool
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from console.ui.app import make_app
from tests import pgrig
from tests.events_factory import recorder_in
from tests.pgrig import write_config
from tests.test_presets_migrations import SQL_MIGRATIONS, _migrated, _sql_strategy, shop
from tests.test_presets_postgres import ORDERS, ids
from tests.test_restore_cut_short_pg import _restore_with
from tests.test_ui_resume import checklist_shown
from tests.test_ui_support import footer_keys, until

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


async def _restored(host, cluster, tmp_path: Path, incident: str) -> tuple[Path, Path]:
    """orders backed up, a row deleted, restored in an incident left open: (the
    configuration, the journal)."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("DELETE FROM orders WHERE id = 3")
    config = write_config(tmp_path / "config", host, _restore_with(cluster), host.home("work"))
    return config, await _ran(config, tmp_path, incident)


async def _ran(config: Path, tmp_path: Path, incident: str, strategy: str = "restore") -> Path:
    """Its step `restore` run with `strategy` in an incident left open: the journal."""
    settings = load_settings(config)
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident(incident, incident)
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "test")
    conductor.select(["db"])
    conductor.choose_strategy(strategy, {})
    try:
        assert await conductor.run_step("restore")
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    return conductor.recorder.path


async def undo_confirmation(pilot, app) -> str:
    """u on the restore step: the confirmation's text, once shown."""
    await until(pilot, lambda: checklist_shown(app))
    app.screen.select_step("restore")
    for _ in range(100):  # the footer follows the cursor at its next refresh
        if "u Undo…" in await footer_keys(pilot):
            break
        await pilot.pause(0.05)
    await pilot.press("u")
    said = lambda: [n.message for n in app._notifications]  # noqa: E731
    await until(pilot, lambda: app.screen.is_modal or said(), 60)
    assert app.screen.is_modal, said()
    return " ".join(str(app.screen.query_one("#run-commands .dialog-text").render()).split())


async def test_the_undo_of_a_restore_says_first_what_it_sets_aside(host, cluster, tmp_path):
    config, journal = await _restored(host, cluster, tmp_path, "inc-aside")
    for n in (10, 11):  # two transactions since the restore
        cluster.sql(f"INSERT INTO orders VALUES ({n}, 'after the restore')")
    engine = Engine(load_settings(config), tmp_path / "incidents", threaded_io=True)
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            text = await undo_confirmation(pilot, app)
            aside = re.search(
                r"Undoes: restore \(backup-restore\) Sets aside: 2 transactions wrote since the"
                r" restore at \d\d:\d\d UTC \([0-9.]+ (bytes|kB) of WAL\): it goes aside with the"
                rf" restored data directory to {cluster.pgdata}.undone-inc-aside, not merged"
                r" back It sends:",
                text,
            )
            assert aside, text  # above the commands: in sight without scrolling
            await pilot.press("y")
            await until(pilot, lambda: app.conductor.state.step("restore.undo").finished, 120)
            events = app.conductor.recorder.events
        [note] = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]
        assert note.startswith(
            "Undo of “Restore the data” confirmed (the console's yes): 2 transactions wrote"
        ), note
        assert ids(cluster) == [1, 2]
    finally:
        await engine.close()


async def test_an_undo_after_one_whose_start_failed_says_it_only_starts(host, cluster, tmp_path):
    config, journal = await _restored(host, cluster, tmp_path, "inc-again")
    replaced = Path(f"{cluster.pgdata}.replaced-inc-again")
    conf = replaced / "postgresql.auto.conf"  # the data from before: it will not start
    cluster.run("sh", "-c", f"echo \"shared_buffers = 'plenty'\" >> {conf}")
    engine = Engine(load_settings(config), tmp_path / "incidents", threaded_io=True)
    resumed = engine.resume(journal)
    try:
        assert not await resumed.undo("restore")  # the data back, its cluster down
    finally:
        await resumed.shutdown()
        resumed.recorder.close()
    assert not cluster.running()
    conf = cluster.pgdata / "postgresql.auto.conf"  # mended by hand, as its line said to
    cluster.run("sed", "-i", "/shared_buffers/d", str(conf))
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            text = await undo_confirmation(pilot, app)
            did = (
                "an earlier undo put the data directory from before back in"
                f" {cluster.pgdata} already, and the cluster did not start then: the undo"
                " starts it again"
            )
            assert f"Sets aside: nothing: {did} It sends:" in text, text  # in sight
            assert f"Does: its undo puts nothing back on db-1: {did}" in text, text
            assert "puts back the data the recovery replaced" not in text
            await pilot.press("y")
            await until(pilot, lambda: app.conductor.state.step("restore.undo").finished, 120)
        assert cluster.running() and ids(cluster) == [1, 2]
    finally:
        await engine.close()


async def test_a_migration_undo_says_the_dropped_data_stays_gone(host, cluster, tmp_path):
    cluster.sql("CREATE DATABASE shop")
    migrations = _migrated(host, cluster, SQL_MIGRATIONS, "single-row")
    strategy = _sql_strategy(cluster, migrations)
    config = write_config(tmp_path / "config", host, strategy, host.home("work"))
    journal = await _ran(config, tmp_path, "inc-sql", "sql-down")
    engine = Engine(load_settings(config), tmp_path / "incidents", threaded_io=True)
    app = make_app(engine.settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            text = await undo_confirmation(pilot, app)
            assert (
                "Does: its undo migrates the schema up again on each host, to where this"
                " incident's reversal began; the data its down migrations dropped does not"
                " come back"
            ) in text, text
            assert "puts back what the action changed" not in text
            await pilot.press("y")
            await until(pilot, lambda: app.conductor.state.step("restore.undo").finished, 120)
            lines = [
                line
                for e in app.conductor.recorder.events
                if e.kind == Kind.COMMAND_OUTPUT and e.where.step == "restore.undo"
                for line in e.data.lines
            ]
        assert (
            "schema version back to 2 (data the down migrations dropped does not come back)"
            in lines
        )
        assert shop(cluster, "SELECT note FROM orders ORDER BY id") == ""  # 'gift' is gone
    finally:
        await engine.close()
