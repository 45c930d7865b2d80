"""The PostgreSQL recovery presets against a real cluster, over real sshd, through
`rollback-console run`: each test asserts on what the database holds afterwards. What the
presets refuse is tests/test_presets_postgres_refused_backups.py (a backup, a host)
and tests/test_presets_postgres_refused_targets.py (a target the WAL does not reach)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest
from textual.pilot import Pilot

from console.journal.export.document import build_document
from console.journal.export.inert import cell
from tests import pg, pgrig
from tests.pgrig import connection, run_console, undo, write_config
from tests.test_ui_support import until

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures
T = TypeVar("T")

ORDERS = """\
CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL);
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO orders VALUES (1, 'tea'), (2, 'cups'), (3, 'kettle');
INSERT INTO customers VALUES (1, 'ada'), (2, 'bob');
"""
# The time now, as a recovery target: microseconds, in UTC.
NOW_UTC = (
    "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
)


def strategies(cluster: pg.Cluster) -> str:
    """The three recovery strategies, configured as docs/strategies.md shows."""
    common = (
        f'  {{ name = "pgdata", default = "{cluster.pgdata}" }},\n'
        f'  {{ name = "backup", default = "{cluster.backups / "nightly"}" }},\n'
        '  { name = "tables", default = "orders,customers" },\n' + connection(cluster)
    )
    archive = f'  {{ name = "archive", default = "{cluster.archive}" }},\n'
    return f"""\
[[strategies]]
name = "restore"
kind = "backup-restore"
preset = "postgres-basebackup"
params = [
{common}{archive}]

[[strategies]]
name = "replay"
kind = "log-replay"
preset = "postgres-wal"
params = [
{common}{archive}]

[[strategies]]
name = "pitr"
kind = "point-in-time"
preset = "postgres-pitr"
params = [
{common}{archive}]
"""


def configure(host, cluster, tmp_path: Path) -> Path:
    workdir = host.home("work")
    return write_config(tmp_path / "config", host, strategies(cluster), workdir)


def ids(cluster: pg.Cluster) -> list[int]:
    return [int(x) for x in cluster.sql("SELECT id FROM orders ORDER BY id").split()]


def kept_aside(cluster: pg.Cluster, incident: str) -> list[str]:
    return sorted(p.name for p in cluster.root.iterdir() if incident in p.name)


def _backed_up_then_a_bad_row(cluster: pg.Cluster, between: str, after: str = "") -> list[str]:
    """The orders backed up ("nightly"), then one commit a statement: order 4, `between`,
    the bad row 5, `after`; what the statements printed, a word each."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    return cluster.sql(
        "INSERT INTO orders VALUES (4, 'saucer');\n"
        + between
        + "INSERT INTO orders VALUES (5, 'bad row');\n"
        + after
    ).split()


@pytest.mark.parametrize("plain", [False, True], ids=["tar.gz", "plain"])
def test_a_backup_restore_brings_a_dropped_table_back(host, cluster, tmp_path, plain):
    cluster.sql(ORDERS)
    backup = cluster.basebackup("nightly", plain=plain)
    (backup / "expected-integrity").write_text("rows.orders=3 rows.customers=2\n")
    cluster.sql("DROP TABLE orders")
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "restore")

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3]
    assert cluster.sql("SELECT name FROM customers ORDER BY id").split() == ["ada", "bob"]
    before, after = outcome.integrity("before"), outcome.integrity("after")
    assert before["rows"] == {"customers": 2}  # orders was gone
    assert after["rows"] == {"orders": 3, "customers": 2}
    assert after["expected"]["rows"] == {"orders": 3, "customers": 2}
    assert after["verdict"] == "match"
    assert kept_aside(cluster, outcome.incident) == [
        f"data.replaced-{outcome.incident}",
        f"data.rollback-{outcome.incident}",
        f"data.rollback-{outcome.incident}.log",
    ]
    # a new timeline: the archive never holds two histories under one name
    assert cluster.sql("SELECT timeline_id FROM pg_control_checkpoint()") == "2"
    assert "recovery_target" not in (cluster.pgdata / "postgresql.auto.conf").read_text()


@pytest.mark.parametrize("target", ["restore point", "unarchived point", "lsn", "end"])
def test_wal_replay_stops_where_asked(host, cluster, tmp_path, target):
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    # Each statement commits on its own: 4 is before the point and the LSN, 5 after.
    lsn = cluster.sql(
        "INSERT INTO orders VALUES (4, 'saucer');\n"
        "SELECT pg_create_restore_point('before-deploy-42');\n"
        "SELECT pg_current_wal_insert_lsn();\n"
        "INSERT INTO orders VALUES (5, 'bad row');\n"
    ).split()[-1]
    if target != "unarchived point":  # else the point is in the live pg_wal only
        cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    param = {
        "restore point": ["recovery_target_name=before-deploy-42"],
        "unarchived point": ["recovery_target_name=before-deploy-42"],
        "lsn": [f"recovery_target_lsn={lsn}"],
        "end": [],
    }[target]

    outcome = run_console(config, tmp_path / "state", "replay", *param)

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == ([1, 2, 3, 4, 5] if target == "end" else [1, 2, 3, 4])
    after = outcome.integrity("after")
    assert (after["rows"]["orders"], after["verdict"]) == (len(ids(cluster)), "recorded")
    # what was restored says how far past the backup the WAL went: the restore point, the
    # LSN, the end ('restored to backup ...' alone read as the backup's data)
    replayed = {
        "restore point": "to the restore point before-deploy-42",
        "unarchived point": "to the restore point before-deploy-42",
        "lsn": f"to LSN {lsn} (recovery stopped ",
        "end": "to its end",
    }[target]
    assert f", then WAL {replayed}" in after["restored"], after["restored"]
    assert "(the last transaction replayed committed at " in after["restored"]


def recovered_to_a_time(host, cluster, tmp_path: Path) -> tuple[str, pgrig.Outcome, Path]:
    """The orders backed up, order 4, then the bad row 5; `run` of pitr to a time after
    4's commit, before 5's, which succeeded: the target, the outcome, the configuration."""
    (target,) = _backed_up_then_a_bad_row(cluster, between=f"{NOW_UTC};\n")
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    outcome = run_console(config, tmp_path / "state", "pitr", f"recovery_target_time={target}")
    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    return target, outcome, config


def test_point_in_time_recovery_keeps_exactly_the_earlier_rows(host, cluster, tmp_path):
    target, outcome, _ = recovered_to_a_time(host, cluster, tmp_path)
    assert ids(cluster) == [1, 2, 3, 4]
    replayed = f"SELECT pg_last_xact_replay_timestamp() <= '{target}'::timestamptz"
    assert cluster.sql(replayed) == "t"
    # Where it stopped, as data: recovery stopped before the bad row's commit, the first
    # after the target, on the timeline it was promoted to.
    stop = outcome.integrity("after")["recovery"]
    assert stop["timeline"] == 2 and stop["stopped"].startswith("before "), stop
    at = datetime.fromisoformat(stop["stopped"].removeprefix("before "))
    assert at >= datetime.fromisoformat(target.replace("Z", "+00:00")), (at, target)


async def test_the_document_says_where_a_point_in_time_recovery_stopped(host, cluster, tmp_path):
    """Seen on a real cluster: the verify printed 'timeline 2; recovery stopped: before
    ...' in its raw output only; the document's Data integrity section, in Markdown and in
    JSON, did not say where the recovery stopped. Nor did the console's integrity screen
    (F3, i): one line under its table now, the stop point too wide for its cells. Nor,
    walking the presets later, what was restored: the backup, from when, and where the data
    directory it replaced is kept (a line of its own there too)."""
    from textual.widgets import Static

    target, outcome, config = recovered_to_a_time(host, cluster, tmp_path)
    stopped = outcome.integrity("after")["recovery"]["stopped"]
    # what was restored: the backup, when it started, the last transaction replayed, and
    # where the data directory it replaced is kept (the way back): the document said none
    restored = outcome.integrity("after")["restored"]
    assert restored.startswith(f"backup {cluster.backups / 'nightly'} (started 20"), restored
    # the time asked for with it (the document's stop point is PostgreSQL's: the first
    # transaction after it, read as the target itself)
    assert (
        f", then WAL up to the target {target} (the last transaction replayed committed at 20"
        in restored
    ), restored
    kept = f"{cluster.pgdata}.replaced-{outcome.incident}"
    assert restored.endswith(f"; the data directory before it is kept at {kept}"), restored

    journal = tmp_path / "state" / "incident-pitr"
    markdown, document = export(journal, "markdown"), json.loads(export(journal, "json"))

    section = markdown.split("## Data integrity")[1].split("\n## ")[0]
    head, _, row = section.strip().split("\n\n")[0].splitlines()  # the table
    assert head.endswith("| Restored to | Recovery stopped |"), head
    # PostgreSQL's `before <time>` names the first transaction NOT replayed, a time past
    # the target: the cell read "before 10:18:00.61+00" beside a target of 10:17:59.60
    assert stopped.startswith("before 20"), stopped
    stop = f"before the transaction committed at {stopped[7:]}, the first not replayed"
    assert row.endswith(f"| {cell(restored)} | {stop} (timeline 2) |"), row
    assert document["document"]["integrity"][0]["recovery"] == {"timeline": 2, "stopped": stopped}
    assert document["document"]["integrity"][0]["restored"] == restored

    def read(screen) -> tuple[str, bool, str, list[str]]:
        line = screen.query_one("#integrity-recovery", Static)
        title = str(screen.query_one("#integrity-title").render())
        said = " ".join(str(line.render()).split())
        table = screen.query_one("#integrity")
        verdicts = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        # its first line in view under the table; the rest a scroll away (the body
        # scrolls: tests/test_ui_integrity_overflow), with the checks under it now
        return said, screen.region.contains_point(line.region.offset), title, verdicts

    said, shown, title, verdicts = await _on_integrity_screen(config, journal, tmp_path, read)
    # its before and its after were each shown '✔ recorded', in the colour of a match,
    # beside a title saying nothing was compared
    assert verdicts == ["· recorded", "· recorded"], verdicts
    # nothing is expected of a recovery to a time: its after is recorded, not judged; the
    # title read "0 host(s) compared · no mismatch", as if it had been checked
    assert title == "Data integrity: 0 host(s) compared · 1 recorded, not judged · no mismatch"
    assert len(title) <= 78  # whole at 80 columns (the title is one line, cut at the edge)
    # and what its verify checked on the database, as the document's "How it was
    # verified" says it: the screen showed none of it
    checked = document["document"]["integrity"][0]["checks"]
    assert "the cluster is out of recovery, promoted to timeline 2" in checked, checked
    assert all(cell(c) in section for c in checked), section
    assert said == " ".join(
        (
            f"db-1 (restore): restored to {restored}"
            f" db-1 (restore): recovery stopped {stop} (timeline 2)"
            + "".join(f" db-1 (restore): checked: {c}" for c in checked)
        ).split()
    ), said
    assert shown


async def in_console(
    config: Path, journal: Path, tmp_path: Path, drive: Callable[[Pilot], Awaitable[T]]
) -> T:
    """The console resumed on `journal` at 80x24: what `drive(pilot)` gives."""
    from console.engine.session import Engine
    from console.model.loading import load_settings
    from console.ui.app import make_app

    settings = load_settings(config)
    engine = Engine(settings, tmp_path / "incidents", threaded_io=True)
    app = make_app(settings, engine, resume=journal, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            return await drive(pilot)
    finally:
        await engine.close()


async def _on_integrity_screen(
    config: Path, journal: Path, tmp_path: Path, read: Callable[..., T]
) -> T:
    """The console resumed on `journal` at 80x24, F3 then `i`: what `read(screen)` gives
    of its integrity screen."""
    from console.ui.screens.assessment import AssessmentScreen

    async def drive(pilot: Pilot) -> T:
        await pilot.press("f3", "i")
        await until(pilot, lambda: isinstance(pilot.app.screen, AssessmentScreen))
        await pilot.pause()  # its first layout
        return read(pilot.app.screen)

    return await in_console(config, journal, tmp_path, drive)


def export(journal: Path, form: str) -> str:
    """`rollback-console export JOURNAL --format FORM`, as a commander would type it."""
    argv = [sys.executable, "-m", "console", "export", str(journal), "--format", form]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


@pytest.mark.parametrize("strategy", ["replay", "pitr"])
def test_wal_replay_is_not_judged_by_the_backups_own_expectation(host, cluster, tmp_path, strategy):
    """Seen on a real fleet: the backup's `expected-integrity` (written when it was taken,
    as docs/strategies.md says) judged a WAL replay to a restore point, which holds the
    orders committed after the backup too: the host failed on 'integrity mismatch' with the
    data recovered exactly as asked. That file says what the backup holds; after a replay
    past it the after is recorded, not judged, unless `expect` is given."""
    cluster.sql(ORDERS)
    backup = cluster.basebackup("nightly")
    (backup / "expected-integrity").write_text("rows.orders=3 rows.customers=2\n")
    point = cluster.sql(
        "INSERT INTO orders VALUES (4, 'saucer');\n"
        "SELECT pg_create_restore_point('before-deploy-42');\n"
        f"{NOW_UTC};\n"
        "INSERT INTO orders VALUES (5, 'bad row');\n"
    ).split()[-1]
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    param = {
        "replay": "recovery_target_name=before-deploy-42",
        "pitr": f"recovery_target_time={point}",
    }[strategy]

    outcome = run_console(config, tmp_path / "state", strategy, param)

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3, 4]
    after = outcome.integrity("after")
    assert (after["rows"]["orders"], after["verdict"]) == (4, "recorded")
    assert "expected-integrity is what the backup held" in outcome.stdout

    if strategy == "replay":  # an expectation given is judged
        given = run_console(config, tmp_path / "again", strategy, param, "expect=rows.orders=3")
        assert given.returncode == 1, given.stdout
        assert given.integrity("after")["verdict"] == "mismatch"


async def test_undo_puts_the_replaced_data_directory_back(host, cluster, tmp_path):
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("DROP TABLE orders")
    config = configure(host, cluster, tmp_path)
    outcome = run_console(config, tmp_path / "state", "restore")
    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3]

    ok, state = await undo(config, tmp_path / "state" / "incident-restore")
    assert ok

    assert cluster.sql("SELECT to_regclass('orders') IS NULL") == "t"  # as it was: dropped
    assert cluster.sql("SELECT count(*) FROM customers") == "2"
    assert cluster.sql("SELECT timeline_id FROM pg_control_checkpoint()") == "1"
    undone = state.integrity[-1]
    assert (undone["stage"], undone["rows"], undone["verdict"]) == (
        "after",
        {"customers": 2},
        "match",
    )
    assert undone["absent"] == ["orders"]  # dropped, as before the restore: said so
    kept = f"{cluster.pgdata}.undone-{outcome.incident}"
    assert undone["restored"].startswith(
        f"the data directory from before this incident's restore; the restored one is kept at"
        f" {kept}, not merged back: nothing was written since the restore at "
    ), undone["restored"]  # nothing since: the undo said so (tests/test_undo_sets_aside_pg.py)
    assert f"data.undone-{outcome.incident}" in kept_aside(cluster, outcome.incident)


async def test_wal_replay_after_an_undone_restore_follows_the_live_timeline(
    host, cluster, tmp_path
):
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)
    assert run_console(config, tmp_path / "state", "restore").rolled_back()
    ok, _state = await undo(config, tmp_path / "state" / "incident-restore")
    assert ok
    # The archive's latest timeline (2) is the undone restore's; the cluster is on 1 again.
    assert (cluster.archive / "00000002.history").exists()
    assert cluster.sql("SELECT timeline_id FROM pg_control_checkpoint()") == "1"
    cluster.sql(
        "INSERT INTO orders VALUES (4, 'saucer');\n"
        "SELECT pg_create_restore_point('before-deploy-42');\n"
        "INSERT INTO orders VALUES (5, 'bad row');\n"
    )
    cluster.switch_wal_and_wait_archived()

    outcome = run_console(
        config, tmp_path / "state", "replay", "recovery_target_name=before-deploy-42"
    )

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3, 4]
    assert cluster.sql("SELECT timeline_id FROM pg_control_checkpoint()") == "3"


async def test_a_backup_restore_after_an_undone_restore_stays_on_the_backups_timeline(
    host, cluster, tmp_path
):
    """Walked on a real cluster: with an undone restore's timeline the latest in the
    archive, a newer backup of the live timeline was recovered towards that latest one,
    which forked before the backup ("requested timeline 2 is not a child of this server's
    history"): the cluster stopped, its data directory replaced."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)
    assert run_console(config, tmp_path / "state", "restore").rolled_back()
    ok, _state = await undo(config, tmp_path / "state" / "incident-restore")
    assert ok and (cluster.archive / "00000002.history").exists()
    cluster.sql("INSERT INTO orders VALUES (4, 'saucer')")
    fresh = cluster.basebackup("fresh")
    cluster.sql("INSERT INTO orders VALUES (5, 'bad row')")
    cluster.switch_wal_and_wait_archived()

    outcome = run_console(config, tmp_path / "again", "restore", f"backup={fresh}")

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3, 4]
    assert cluster.sql("SELECT timeline_id FROM pg_control_checkpoint()") == "3"


def test_paths_relative_to_the_workdir_reach_the_archive_in_recovery_too(host, cluster, tmp_path):
    """Walked as a new user, paths written from the host's workdir (`pgdata = "data"`,
    `archive = "archive"`): the commands start there, but PostgreSQL runs restore_command
    in the data directory, and the precheck reads the WAL through links made in another.
    A point-in-time recovery was refused 'no transaction in the WAL since the backup ended
    at or after ... (the last: none)', the WAL all there; and a backup restore, finding no
    history in the archive, promoted to timeline 2 a second time, which the archive
    already held: archive_command failed from then on."""
    (target,) = _backed_up_then_a_bad_row(cluster, between=f"{NOW_UTC};\n")
    cluster.switch_wal_and_wait_archived()
    relative = strategies(cluster).replace(f'"{cluster.root}/', '"')
    assert f'"{cluster.root}' not in relative
    config = write_config(tmp_path / "config", host, relative, cluster.root)

    outcome = run_console(config, tmp_path / "pitr", "pitr", f"recovery_target_time={target}")

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3, 4]
    assert (cluster.archive / "00000002.history").exists()
    # a trailing slash, as the shell completes a directory: what is kept goes beside it
    # (it was staged inside it, and the move into itself failed with the cluster stopped)
    outcome = run_console(config, tmp_path / "restore", "restore", "pgdata=data/")
    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert cluster.sql("SELECT timeline_id FROM pg_control_checkpoint()") == "3"
    assert f"data.replaced-{outcome.incident}" in kept_aside(cluster, outcome.incident)


def test_a_failed_recovery_ends_on_the_way_back(host, cluster, tmp_path):
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)

    # past the end of the WAL: recovery ends before it (the precheck of a running cluster
    # refuses that LSN, so it is stopped: a primary that went down with it)
    cluster.stop_all()
    outcome = run_console(config, tmp_path / "state", "replay", "recovery_target_lsn=FF/0")

    assert outcome.returncode == 1
    assert outcome.failed_stage() == "action"
    assert not cluster.running()
    # The summary's line for the host is the script's last: what failed, and the way back.
    replaced = cluster.root / f"data.replaced-{outcome.incident}"
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert "— recovery failed: " in summary, summary
    assert summary.endswith(
        f"the data directory from before is kept at {replaced}: undo puts it back"
    )
    assert replaced.is_dir()


async def test_a_retry_checks_a_finished_restore_again_and_each_undo_keeps_its_copy(
    host, cluster, tmp_path
):
    """One incident: the restore recovers but verify fails (the expectation is wrong); the
    retry was refused ("undo it first": a whole restore again) and now checks the restore
    again, judged against the first before. Undo, a retry that restores again and a second
    undo: that undo was refused ("data.undone-<incident> exists"), leaving the cluster on the
    restored data; now each undone directory is kept."""
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.model.loading import load_settings
    from console.model.triggers import TriggerKind
    from tests.events_factory import recorder_in

    cluster.sql(ORDERS)
    backup = cluster.basebackup("nightly")
    (backup / "expected-integrity").write_text("rows.orders=4\n")  # wrong: 3 were backed up
    cluster.sql("DROP TABLE orders")
    settings = load_settings(configure(host, cluster, tmp_path))
    conductor = Conductor(settings, recorder_in(tmp_path / "one"), SshPool(settings.inventory.ssh))
    conductor.open_incident("retried", "inc-retried")
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "test")
    conductor.select(["db"])
    conductor.choose_strategy("restore", {})
    timeline = "SELECT timeline_id FROM pg_control_checkpoint()"
    try:
        assert not await conductor.run_step("restore")
        assert ids(cluster) == [1, 2, 3] and cluster.sql(timeline) == "2"
        (backup / "expected-integrity").write_text("rows.orders=3\n")

        assert await conductor.run_step("restore", only_hosts=["db-1"])
        assert cluster.sql(timeline) == "2"  # checked again, not restored again
        said = [line for e in conductor.recorder.events for line in getattr(e.data, "lines", [])]
        assert any("restored " + str(backup) + " already" in line for line in said), said
        befores = [r for r in conductor.state.integrity if r["stage"] == "before"]
        assert [b["rows"] for b in befores] == [{"customers": 2}] * 2

        assert await conductor.undo("restore")
        assert cluster.sql("SELECT to_regclass('orders') IS NULL") == "t"
        assert await conductor.run_step("restore", only_hosts=["db-1"])
        assert ids(cluster) == [1, 2, 3] and cluster.sql(timeline) == "3"
        assert await conductor.undo("restore")
        assert cluster.sql("SELECT to_regclass('orders') IS NULL") == "t"
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    kept = kept_aside(cluster, "inc-retried")
    assert "data.undone-inc-retried" in kept and "data.undone-inc-retried.2" in kept
    # The document's timeline: the first run's host failed on the mismatch, though every
    # command exited 0 (it read "failed — 1 host sent → 1 succeeded").
    rows = [r.what for r in build_document(list(conductor.recorder.events)).timeline.rows]
    finished = [w for w in rows if w.startswith("finished step “Restore the data”")]
    assert finished[0].startswith(
        "finished step “Restore the data”: failed — 1 host sent → 1 failed"
        " (db-1: integrity mismatch)"
    ), finished
    assert "→ 1 succeeded" in finished[1]


async def test_an_undo_is_refused_once_a_later_incident_restored_over_it(host, cluster, tmp_path):
    """Incident A restores, incident B restores again on top: undoing A put back the data
    from before both (B's restore gone, its undo then failing). Now A's undo is refused at
    once, naming B, and nothing changes; B's undo, then A's, go back step by step."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("DELETE FROM orders WHERE id > 1")
    config = configure(host, cluster, tmp_path)
    first = run_console(config, tmp_path / "a", "restore")
    assert first.rolled_back(), first.stdout + first.stderr
    cluster.sql("INSERT INTO orders VALUES (4, 'after a')")
    second = run_console(config, tmp_path / "b", "restore")
    assert second.rolled_back(), second.stdout + second.stderr
    assert f"kept aside by an earlier incident: {cluster.pgdata}.replaced-{first.incident}" in (
        second.stdout
    )

    ok, state = await undo(config, tmp_path / "a" / "incident-restore")
    assert not ok
    refused = state.step("restore.undo").hosts["db-1"].last_error
    assert refused.startswith(f"incident {second.incident} restored the data directory after"), (
        refused
    )
    assert ids(cluster) == [1, 2, 3]  # B's restore stays
    assert cluster.sql("SELECT timeline_id FROM pg_control_checkpoint()") == "3"

    assert (await undo(config, tmp_path / "b" / "incident-restore"))[0]
    assert ids(cluster) == [1, 2, 3, 4]  # as before B
    assert (await undo(config, tmp_path / "a" / "incident-restore"))[0]
    assert ids(cluster) == [1]  # as before A


async def test_the_integrity_screen_shows_every_figure_at_80_columns(host, cluster, tmp_path):
    """A restore and its undo on two tables, then `i` at 80x24: the Expected column read
    '4719332f92 cus', the checksums off the right edge. Each figure is on a line of its
    own now, and the table fits the terminal."""
    from textual.widgets import DataTable

    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("DELETE FROM orders WHERE id = 3")
    config = configure(host, cluster, tmp_path)
    assert run_console(config, tmp_path / "state", "restore").rolled_back()
    journal = tmp_path / "state" / "incident-restore"
    assert (await undo(config, journal))[0]

    def read(screen) -> list[str]:
        table = screen.query_one("#integrity", DataTable)
        assert table.virtual_size.width <= table.size.width, table.virtual_size
        return [str(c) for r in range(table.row_count) for c in table.get_row_at(r)]

    cells = await _on_integrity_screen(config, journal, tmp_path, read)
    # the undo's row: its after and its expected (the restore's before), each figure whole
    # (the record's first line is the database the tables were counted in)
    recorded, expected = cells[-2:]
    database, *figures = recorded.split("\n")
    assert database == "database postgres" and figures[1:] == ["customers=2", "orders=2"], cells
    assert expected == "\n".join(figures), cells
