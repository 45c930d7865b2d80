"""A restore cut short (Ctrl-C, an abort) once its action had stopped the cluster and
before it moved the data directory aside, on a real cluster over real sshd: walked with
`rollback-console run ... --strategy orders-pitr` and Ctrl-C as the action began, the
database was left down on its own data directory, and the undo the run's last line named
refused ("nothing to undo: no data directory was kept aside"), leaving it down; a retry
recorded it as not running before, so the undo after that retry's restore left it
stopped. The undo now starts it again, and so does a retry's precheck first."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from tests import pg, pgrig
from tests.events_factory import recorder_in
from tests.pgrig import connection, run_console, undo, write_config
from tests.test_presets_postgres import ORDERS, ids

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


def _restore(cluster: pg.Cluster, hold: Path) -> str:
    """A backup restore whose `stop` stops the cluster, then waits while `hold` exists:
    the action is there, the cluster down and nothing moved yet, as long as the test says."""
    return _restore_with(
        cluster,
        stop=f"{_pg_ctl(cluster)} -m fast -w stop && while [ -e {hold} ]; do sleep 0.1; done",
    )


def _pg_ctl(cluster: pg.Cluster) -> str:
    return f"{cluster.bindir}/pg_ctl -D {cluster.pgdata}"


def _restore_with(cluster: pg.Cluster, **commands: str) -> str:
    """A backup restore of `orders` whose start and stop commands are these."""
    given = "".join(f'  {{ name = "{k}", default = "{v}" }},\n' for k, v in commands.items())
    return f"""\
[[strategies]]
name = "restore"
kind = "backup-restore"
preset = "postgres-basebackup"
params = [
  {{ name = "pgdata", default = "{cluster.pgdata}" }},
  {{ name = "backup", default = "{cluster.backups / "nightly"}" }},
{given}  {{ name = "tables", default = "orders" }},
{connection(cluster)}]
"""


def _restoring(config: Path, tmp_path: Path, incident: str) -> Conductor:
    """An incident on db, its strategy the restore, as the console opens one."""
    settings = load_settings(config)
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident(incident, incident)
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "test")
    conductor.select(["db"])
    conductor.choose_strategy("restore", {})
    return conductor


def _held(
    host: pgrig.PgHost, cluster: pg.Cluster, tmp_path: Path, incident: str, after: str = ""
) -> tuple[Conductor, Path, Path]:
    """The orders backed up (then `after`), and an incident whose restore's stop holds
    while the file it returns is there: (its conductor, the configuration, that file)."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    if after:
        cluster.sql(after)
    hold = cluster.root / "hold"
    hold.touch()
    config = write_config(tmp_path / "config", host, _restore(cluster, hold), host.home("work"))
    return _restoring(config, tmp_path, incident), config, hold


async def _cut_short(conductor: Conductor, cluster: pg.Cluster) -> None:
    """Run the restore and abort it once its action has stopped the cluster (bounded)."""
    run = asyncio.create_task(conductor.run_step("restore", only_hosts=["db-1"]))
    deadline = asyncio.get_running_loop().time() + 60
    while cluster.running():
        assert not run.done() and asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.1)
    await conductor.abort("Ctrl-C")
    assert not await run


async def test_a_restore_cut_short_after_the_stop_starts_the_cluster_again(host, cluster, tmp_path):
    """About 13 s: two attempts cut short, a restore and two undos on one cluster (the
    retry's start is seen only after an attempt was cut short, and at its undo)."""
    conductor, _, hold = _held(
        host, cluster, tmp_path, "inc-cut-short", "DELETE FROM orders WHERE id = 3"
    )
    try:
        await _cut_short(conductor, cluster)
        assert not cluster.running()
        assert await conductor.undo("restore")  # it was refused: nothing kept aside
        assert cluster.running() and ids(cluster) == [1, 2]
        said = [line for e in conductor.recorder.events for line in getattr(e.data, "lines", [])]
        staged = f"{cluster.pgdata}.staged-inc-cut-short"
        assert any(line.endswith(f"(the backup it staged stays at {staged})") for line in said)

        await _cut_short(conductor, cluster)
        hold.unlink()
        assert await conductor.run_step("restore", only_hosts=["db-1"])  # the retry
        assert ids(cluster) == [1, 2, 3]
        assert await conductor.undo("restore")
        assert cluster.running() and ids(cluster) == [1, 2]  # it was left stopped
    finally:
        await conductor.shutdown()
        conductor.recorder.close()


async def test_a_move_refused_once_the_cluster_stopped_says_so_and_a_retry_starts_it(
    host, cluster, tmp_path
):
    """The parent of the data directory made read-only once the action stopped the cluster:
    the `mv` failed and the run ended on mv's own line, nothing saying the cluster was down;
    a retry, refused by its precheck (the parent not writable), left it down unsaid."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    stop = f"{_pg_ctl(cluster)} -m fast -w stop && chmod a-w {cluster.root}"
    config = write_config(
        tmp_path / "config", host, _restore_with(cluster, stop=stop), host.home("work")
    )
    conductor = _restoring(config, tmp_path, "inc-ro")
    try:
        assert not await conductor.run_step("restore")
        events = conductor.recorder.events
        [failed] = [e.data for e in events if getattr(e.data, "failure", None)]
        said = [
            ln for e in events if getattr(e.data, "stream", "") == "stderr" for ln in e.data.lines
        ]
        assert failed.stage == "action" and not cluster.running()
        assert said[-1] == (
            f"the cluster is stopped: its data directory {cluster.pgdata} could not be moved"
            f" aside to {cluster.pgdata}.replaced-inc-ro (Permission denied) and is unchanged;"
            " undo starts the cluster again"
        ), said

        assert not await conductor.run_step("restore", only_hosts=["db-1"])  # still read-only
        assert cluster.running() and ids(cluster) == [1, 2, 3]
    finally:
        cluster.root.chmod(0o755)
        logs = [ln for e in conductor.recorder.events for ln in getattr(e.data, "lines", [])]
        for line in logs:  # the server's log, made where it could be
            if line.startswith(f"{cluster.root} is not writable: the server logs to /"):
                Path(line.rsplit(" ", 1)[1]).unlink()
        await conductor.shutdown()
        conductor.recorder.close()


async def test_an_undo_asked_again_after_its_start_failed_does_not_read_as_cut_short(
    host, cluster, tmp_path
):
    """A restore undone whose start failed (the start command refused while `hold` is
    there): asked again, the undo said the restore "was cut short after it stopped the
    cluster", which it never was; it now says the undo put the data directory back."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("DELETE FROM orders WHERE id = 3")
    hold = cluster.root / "hold"
    start = f"test ! -e {hold} && {_pg_ctl(cluster)} -l {cluster.root}/server.log -w start"
    strategy = _restore_with(cluster, start=start)
    config = write_config(tmp_path / "config", host, strategy, host.home("work"))
    assert run_console(config, tmp_path / "state", "restore").rolled_back()
    hold.touch()
    ok, _state = await undo(config, tmp_path / "state" / "incident-restore")
    assert not ok and not cluster.running()
    hold.unlink()

    ok, _state = await undo(config, tmp_path / "state" / "incident-restore")

    assert ok and cluster.running() and ids(cluster) == [1, 2]
    events = read_journal(tmp_path / "state" / "incident-restore" / "journal.jsonl").events
    said = [line for e in events for line in getattr(e.data, "lines", [])]
    assert not any("cut short" in line for line in said), said
    assert any(
        ln.startswith("this incident's undo put the data directory from before back") for ln in said
    ), said


async def test_a_move_refused_where_no_data_directory_was_says_nothing_was_replaced(
    host, cluster, tmp_path
):
    """The data directory was gone (created empty for the restore, as the precheck asks)
    and gone again once the precheck had passed, its parent then made read-only: the
    staged backup could not be moved in, and the action said 'the cluster is stopped: ...
    $pgdata is gone, the data directory from before is kept at ...replaced-ID: undo puts
    it back' (UNDO_FIRST): no cluster had run, nothing was kept, the undo had nothing to
    put back. It says what happened, and where the backup is."""
    from console.model.events import Event, Kind

    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.stop_all()
    cluster.run("rm", "-rf", str(cluster.pgdata))
    # "to restore where the data directory is gone, create it empty", as its owner does
    cluster.run("mkdir", "-m", "700", str(cluster.pgdata))
    config = write_config(tmp_path / "config", host, _restore_with(cluster), host.home("work"))
    conductor = _restoring(config, tmp_path, "inc-gone")

    def gone_once_staged(event: Event) -> None:  # before the action is sent
        if event.kind == Kind.COMMAND_RESULT and event.data.stage == "precheck":
            cluster.run("rmdir", str(cluster.pgdata))
            cluster.root.chmod(0o555)

    conductor.recorder.subscribe(gone_once_staged)
    try:
        assert not await conductor.run_step("restore")
        run = conductor.state.step("restore").hosts["db-1"]
        # not UNDO_FIRST; ROLLED_BACK, which its words make believed: nothing changed there
        assert (run.stage, run.exit_status) == ("action", 122), run
        staged = f"{cluster.pgdata}.staged-inc-gone"
        assert run.said() == (
            f"nothing was changed on this host: the staged backup could not be moved to"
            f" {cluster.pgdata} (Permission denied): there was no data directory there to"
            f" replace, and there is none now; the backup stays staged at {staged}: once"
            f" {cluster.root} can be written, create {cluster.pgdata} empty and retry"
        ), run.said()
        assert Path(staged).is_dir() and not cluster.pgdata.exists()
        assert not Path(f"{cluster.pgdata}.replaced-inc-gone").exists()
        # The document said "it may have changed the host (its action failed there), and
        # no undo ran" of it: it says what is known, and no undo is owed there.
        assert "db-1" not in conductor.state.step("restore").changed
        document = EXPORT_FORMATS["markdown"].render(conductor.recorder.events, False)
        failures = document.split("## Failures", 1)[1].split("\n## ", 1)[0]
        assert "may have changed" not in failures, failures
        assert "exit status 122: nothing changed there" in failures, failures
        assert "its transaction" not in failures, failures  # no transaction was rolled back
    finally:
        cluster.root.chmod(0o755)
        await conductor.shutdown()
        conductor.recorder.close()


async def test_the_undo_of_a_restore_cut_short_says_it_starts_the_cluster(host, cluster, tmp_path):
    """Walked at 80x24 on a real cluster: a restore killed once its action had stopped the
    cluster, resumed, then u: its confirmation said 'Does: its undo puts back the data the
    recovery replaced on each host, bad data included', where the undo starts the stopped
    cluster again on its own data (nothing had been replaced). It says what it does."""
    from console.engine.session import Engine
    from console.ui.app import make_app
    from tests.test_ui_support import until
    from tests.test_ui_undo_sets_aside_pg import undo_confirmation

    conductor, config, hold = _held(host, cluster, tmp_path, "inc-said")
    try:
        await _cut_short(conductor, cluster)
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    hold.unlink()
    settings = load_settings(config)
    engine = Engine(settings, tmp_path / "incidents", threaded_io=True)
    app = make_app(settings, engine, resume=conductor.recorder.path, sample_probes=False,
                   check_reach=False)  # fmt: skip
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            text = await undo_confirmation(pilot, app)
            assert (  # as the host answered before the yes (pg_undo.py's UNDO_WEIGH)
                "Does: its undo puts nothing back on db-1: this incident's restore stopped the"
                " cluster and ended before it replaced the data directory: the undo starts the"
                " cluster again on its own data directory"
            ) in text, text
            assert (  # in the first lines, in sight
                "Sets aside: nothing: this incident's restore stopped the cluster and ended"
                " before it replaced the data directory: the undo starts the cluster again on its"
                " own data directory It sends:"
            ) in text, text
            assert "puts back the data the recovery replaced on" not in text
            await pilot.press("y")
            await until(pilot, lambda: app.conductor.state.step("restore.undo").finished, 120)
        assert cluster.running() and ids(cluster) == [1, 2, 3]
    finally:
        await engine.close()
