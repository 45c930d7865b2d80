"""A restore that did not finish (its recovery failed once the data directory was
replaced) is refused by the next precheck until the undo has put that directory back: the
console said "t retries failed hosts" (the execution screen, the toast "Retry failed hosts
with t") and a retry failed again at the precheck, on a real cluster over real sshd at 80x24
(seen by helper-123; walked by helper-124). The host says so by its exit status
(UNDO_FIRST), and the console names the undo instead: the checklist, the execution screen
and the toast; t is not offered there. Once undone, the checklist says what the undo did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.status import UNDO_FIRST
from console.model.triggers import TriggerKind
from console.ui.app import make_app
from tests import pg, pgrig
from tests.pgrig import connection, run_console, undo, write_config
from tests.test_presets_postgres import export
from tests.test_ui_resume import checklist_shown
from tests.test_ui_support import until, until_shown

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


def _replay(cluster: pg.Cluster) -> str:
    return f"""\
[[strategies]]
name = "replay"
kind = "log-replay"
preset = "postgres-wal"
params = [
  {{ name = "pgdata", default = "{cluster.pgdata}" }},
  {{ name = "backup", default = "{cluster.backups / "nightly"}" }},
  {{ name = "archive", default = "{cluster.archive}" }},
  {{ name = "tables", default = "orders" }},
{connection(cluster)}]
"""


def _at_the_restore(config: Path, root: Path) -> Path:
    """An incident on db whose next step is the restore: a WAL replay past the end of the
    WAL on a cluster that went down (its recovery ends before the target and fails once the
    data directory is replaced). Left open, as a console that quit leaves it."""
    engine = Engine(load_settings(config), root)
    conductor = engine.new_incident("orders damaged")
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "orders damaged")
    conductor.select(["db"])
    conductor.choose_strategy("replay", {"recovery_target_lsn": "FF/0"})
    conductor.confirm("open-bridge")
    conductor.recorder.close()
    return conductor.recorder.path


async def test_a_restore_left_unfinished_names_the_undo_not_a_retry(host, cluster, tmp_path):
    cluster.sql("CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2);")
    cluster.basebackup("nightly")
    cluster.stop_all()
    config = write_config(tmp_path / "config", host, _replay(cluster), host.home("work"))
    root = tmp_path / "incidents"
    journal = _at_the_restore(config, root)
    settings = load_settings(config)
    engine = Engine(settings, root, threaded_io=True)
    app = make_app(settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: checklist_shown(app))
            await pilot.press("enter")  # the restore, the current step: its confirmation
            await until(pilot, lambda: app.screen.id != "checklist" and app.screen.is_modal)
            await pilot.press("y")
            failed = "“Restore the data” did not succeed everywhere"
            await until(pilot, lambda: any(failed in n.message for n in app._notifications), 120)
            conductor = app.conductor
            assert conductor is not None
            [action] = [
                e.data
                for e in conductor.recorder.events.actions
                if e.kind == Kind.COMMAND_RESULT and e.data.stage == "action"
            ]
            assert action.exit_status == UNDO_FIRST  # the data directory replaced, kept aside
            [toast] = [n.message for n in app._notifications if failed in n.message]
            assert toast.endswith(
                "did not succeed everywhere: u on F2 undoes what it left first (a retry is refused"
                " until then)."
            ), toast
            # the execution screen (the run ends there): the undo, and no t
            counts = await until_shown(pilot, "#exec-counts", "undoes what it left first")
            assert "u on F2 undoes what it left first (a retry is refused until then)" in " ".join(
                counts.split()
            ), counts
            assert "retries" not in counts, counts
            assert not app.screen.check_action("retry", ())
            await pilot.press("f2")
            todo = await until_shown(pilot, "#where-todo", "Failed:")
            said = " ".join(todo.split())
            assert said.startswith("Failed: u undoes what it left first"), said
            await pilot.press("u")  # on the restore, the current step
            await until(pilot, lambda: app.screen.is_modal)
            await pilot.press("y")
            await until(pilot, lambda: conductor.state.undo_first("restore") == [], 120)
            await pilot.press("f2")  # the undo ran on the execution screen
            await until_shown(pilot, "#where-todo", "Undone: what the failed run changed", 120)
            assert conductor.state.undo_first("restore") == []
    finally:
        await engine.close()
    assert cluster.pgdata.is_dir() and not (cluster.root / "data.staged").exists()


async def test_a_failed_restore_whose_undo_failed_says_where_the_data_is(host, cluster, tmp_path):
    """The restore failed, then its undo failed before it moved anything (the data
    directory's parent not writable): the document read 'ran on 1 host (1 undo failed). An
    undo failed on 1 host (db-1).', as if the restore had stood, and nothing said where the
    data was; the undo's last line was mv's. The undo says what the data directory still
    holds, and the document, the checklist's step and the undo's toast say it."""
    cluster.sql("CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2);")
    cluster.basebackup("nightly")
    cluster.stop_all()
    config = write_config(tmp_path / "config", host, _replay(cluster), host.home("work"))
    outcome = run_console(config, tmp_path / "state", "replay", "recovery_target_lsn=FF/0")
    assert outcome.returncode == 1 and outcome.failed_stage() == "action", outcome.stdout
    journal = tmp_path / "state" / "incident-replay"
    replaced = cluster.root / f"data.replaced-{outcome.incident}"
    cluster.root.chmod(0o555)  # the undo cannot move the data directory aside
    try:
        ok, state = await undo(config, journal / "journal.jsonl")
    finally:
        cluster.root.chmod(0o700)
    assert not ok
    where = (
        f"nothing was put back ({cluster.pgdata} could not be moved aside): {cluster.pgdata} is"
        f" still this incident's restore, which did not finish; the one from before is kept at"
        f" {replaced}"
    )
    assert state.step("restore.undo").hosts["db-1"].said() == where
    assert replaced.is_dir() and cluster.pgdata.is_dir()

    summary = json.loads(export(journal, "json"))["document"]["summary"]["paragraph"]
    assert "The replay strategy ran on 1 host (1 failed, and its undo failed)." in summary, summary
    said = f"The strategy failed, then its undo failed, on 1 host (db-1): db-1: {where}."
    assert said in summary, summary

    settings = load_settings(config)
    engine = Engine(settings, tmp_path / "incidents", threaded_io=True)
    app = make_app(settings, engine, resume=journal / "journal.jsonl", sample_probes=False,
                   check_reach=False)  # fmt: skip
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: checklist_shown(app))
            steps = app.screen.query_one("#steps")
            steps.highlighted = 1  # the restore
            detail = await until_shown(pilot, "#step-detail", "Undo did not succeed everywhere")
            assert f"db-1: {where}" in " ".join(detail.split()), detail
            # closed: nothing runs, so nothing offers a retry (it read "t retries failed hosts")
            await pilot.press("f3")
            counts = await until_shown(pilot, "#exec-counts", "1 failed")
            assert "retries" not in counts, counts
    finally:
        await engine.close()
