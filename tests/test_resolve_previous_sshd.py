"""A migration reversal's confirmation names the version the step runs against: with
`target = previous` the console asks the host what it stands for before asking the
commander (real sshd, real PostgreSQL, the console at 80x24). The dialog read
`target=previous`; the commander confirms the exact version now, and the run goes with
that version. A no leaves nothing on the host: no `.rollback/`, the schema as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from console.ui.app import make_app
from console.ui.screens.confirm_run import RunConfirm
from tests import pgrig
from tests import test_presets_migrations as migrations
from tests.pgrig import write_config
from tests.test_ui_support import until

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]

host, pg_cluster = pgrig.host, pgrig.cluster  # fixtures
site, cluster = migrations.site, migrations.cluster  # fixtures: alembic deployed, shop made
WAIT = 60.0


def _config(host, cluster, tmp_path: Path) -> tuple[Path, Path]:
    """Versions 1 and 2 applied (sql-down, golang-migrate's single row); the workdir."""
    files = migrations.SQL_MIGRATIONS
    applied = migrations._migrated(host, cluster, files, "single-row")
    workdir = host.home("work")
    strategy = migrations._sql_strategy(cluster, applied)
    return write_config(tmp_path / "config", host, strategy, workdir), workdir


async def _confirmation(
    config: Path, tmp_path: Path, answer: str, strategy: str = "sql-down"
) -> tuple[str, Path]:
    """An incident on db with sql-down chosen as given (`previous`), the restore step
    started in the console at 80x24: what its confirmation says, then `answer` pressed
    (and, for y, the run awaited). The journal."""
    settings = load_settings(config)
    engine = Engine(settings, tmp_path / "incidents", threaded_io=True)
    conductor = engine.new_incident("bad migration")
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "orders lost their notes")
    conductor.select(["db"])
    conductor.choose_strategy(strategy, {})
    conductor.confirm("open-bridge")
    app = make_app(settings, engine, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            app.attach(conductor)
            app.steps.start_run("restore")
            await until(pilot, lambda: isinstance(app.screen, RunConfirm), WAIT)
            dialog = app.screen
            said = " ".join(str(dialog.query_one("#run-commands .dialog-text").render()).split())
            await pilot.press(answer)
            if answer == "y":
                step = conductor.state.step("restore")
                await until(pilot, lambda: step.status.finished, WAIT)
            else:
                await until(pilot, lambda: not isinstance(app.screen, RunConfirm))
    finally:
        conductor.release_locks()
        conductor.recorder.close()
        await engine.close()
    return said, conductor.recorder.path


async def test_the_confirmation_names_the_version_and_the_run_goes_with_it(host, cluster, tmp_path):
    config, _workdir = _config(host, cluster, tmp_path)

    said, journal = await _confirmation(config, tmp_path, "y")

    # the version the host resolved, before the yes, and the files it reverses
    assert (
        "Resolved: target=previous is 1 (db-1: schema version 2 down to 1, reversing"
        " 000002_note.down.sql)" in said
    ), said
    assert "target=1" in said and "target=previous," not in said, said
    # the run went with the version confirmed: chosen again with it, journalled
    events = read_journal(journal).events
    chosen = [e.data.params for e in events if e.kind == Kind.STRATEGY_CHOSEN]
    assert [p.get("target") for p in chosen] == ["previous", "1"], chosen
    assert migrations.shop(cluster, "SELECT version, dirty FROM schema_migrations") == "1|f"
    assert migrations.columns(cluster) == ["id", "item"]


async def test_a_no_leaves_nothing_on_the_host(host, cluster, tmp_path):
    config, workdir = _config(host, cluster, tmp_path)

    said, journal = await _confirmation(config, tmp_path, "escape")

    assert "Resolved: target=previous is 1" in said, said
    assert not (workdir / ".rollback").exists(), sorted(workdir.iterdir())
    assert list(workdir.iterdir()) == []
    assert migrations.shop(cluster, "SELECT version, dirty FROM schema_migrations") == "2|f"
    assert migrations.columns(cluster) == ["id", "item", "note"]
    events = read_journal(journal).events
    assert not [e for e in events if e.kind == Kind.COMMAND_INTENT], "nothing was sent"
    chosen = [e.data.params for e in events if e.kind == Kind.STRATEGY_CHOSEN]
    assert [p.get("target") for p in chosen] == ["previous"], chosen


async def test_alembic_names_the_revision_and_a_no_leaves_nothing(host, site, cluster, tmp_path):
    config = migrations._alembic_config(host, site, cluster, tmp_path, migrations.REVISIONS)
    workdir = Path(load_settings(config).inventory.system("db").workdir or "")

    said, journal = await _confirmation(config, tmp_path, "escape", "schema-down")

    assert "Resolved: revision=previous is 0001 (db-1: alembic revision 0002 down to 0001," in said
    assert "revision=0001" in said and "revision=previous," not in said, said
    assert not (workdir / ".rollback").exists(), sorted(workdir.iterdir())
    assert migrations.shop(cluster, "SELECT version_num FROM alembic_version") == "0002"
    assert not [e for e in read_journal(journal).events if e.kind == Kind.COMMAND_INTENT]

    said, journal = await _confirmation(config, tmp_path, "y", "schema-down")

    assert migrations.shop(cluster, "SELECT version_num FROM alembic_version") == "0001"
    events = read_journal(journal).events
    chosen = [e.data.params["revision"] for e in events if e.kind == Kind.STRATEGY_CHOSEN]
    assert chosen == ["previous", "0001"], chosen


def test_headless_run_names_the_version_and_goes_with_it(host, cluster, tmp_path):
    """`rollback-console run` asks the host first, as the console does, and goes with the
    version it said (on main it ran with previous, nothing said)."""
    config, _workdir = _config(host, cluster, tmp_path)

    ran = pgrig.run_console(config, tmp_path / "state", "sql-down")

    assert ran.returncode == 0, ran.stdout + ran.stderr
    said = (
        " resolved target=previous (sql-down) as 1 on db-1: schema version 2 down to 1, reversing"
    )
    assert said in ran.stdout and "noted: Resolved" not in ran.stdout, ran.stdout
    chosen = [e.data.params for e in ran.events if e.kind == Kind.STRATEGY_CHOSEN]
    assert [p.get("target") for p in chosen] == ["previous", "1"], chosen
    assert migrations.shop(cluster, "SELECT version, dirty FROM schema_migrations") == "1|f"
