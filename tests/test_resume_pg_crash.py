"""A point-in-time recovery (and a restore from a backup) whose console is SIGKILLed while
PostgreSQL recovers, on a real cluster over real sshd, then resumed. The server goes on
without the console (pg_ctl detached it), so the host's outcome is unknown: V must say the
recovery is still under way and leave it unknown (it read "failed" after V sat out its
command's timeout in pg_isready), send nothing again, and settle the host once the recovery
has reached its target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from console.engine.attempts import verify_unknown
from console.engine.session import Engine
from console.journal.export import EXPORT_FORMATS
from console.journal.export.inert import cell
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.recovery import stop_said
from console.model.state import HostStatus, fold
from tests import pg, pgrig
from tests.pgrig import connection, write_config
from tests.test_resume_between_waves import attempts_ended

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures

ORDERS = """\
CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL);
INSERT INTO orders VALUES (1, 'tea'), (2, 'cups'), (3, 'kettle');
"""
# After the backup: order 4, the target time, then the bad row 5 (each its own commit).
AFTER_BACKUP = """\
INSERT INTO orders VALUES (4, 'saucer');
SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
INSERT INTO orders VALUES (5, 'bad row');
"""


# The action's stop of the cluster waits (bounded) for `go`: the test holds the archive's
# last segment back meanwhile, after the precheck has read it.
GATED_STOP = (
    "touch {root}/stopping; i=0; while [ ! -e {root}/go ] && [ $i -lt 1200 ]; do sleep 0.1;"
    " i=$((i+1)); done; {bin}/pg_ctl -D {root}/data -m fast -w stop"
)


@dataclass(frozen=True)
class Recovery:
    """A recovery preset walked, and what V must find after it."""

    kind: str
    preset: str
    verdict: str  # of the after: recorded (nothing expected) or match (an expectation)
    ids: list[int]  # the orders after it
    stopped: str  # how where it stopped begins (the new timeline's history file's words)
    at: str  # where V's first look finds it


RECOVERIES = {
    # Held at the archive's last segment, replaying: nothing expected of a time.
    "pitr": Recovery(
        "point-in-time", "postgres-pitr", "recorded", [1, 2, 3, 4], "before ",
        "in archive recovery",
    ),
    # Held at the backup's first segment, before recovery has read anything: pg_control is
    # still the backup's copy, "in production" (the cluster it was taken from), which V
    # said as is ("still recovering (in production; ...)"). Judged on the backup's
    # expected-integrity, the expected line V carries on from the precheck.
    "basebackup": Recovery(
        "backup-restore", "postgres-basebackup", "match", [1, 2, 3], "reached consistency",
        "at its start, the backup's first WAL not read yet",
    ),
}  # fmt: skip


def _prepare(cluster: pg.Cluster, name: str) -> tuple[list[str], Path]:
    """Orders 1-3 backed up, then 4, the target time, the bad row 5: the run's params, and
    the archived segment the recovery is to wait on."""
    cluster.sql(ORDERS)
    backup = cluster.basebackup("nightly")
    (target,) = cluster.sql(AFTER_BACKUP).split()
    cluster.switch_wal_and_wait_archived()
    if name == "pitr":
        segment = sorted(p for p in cluster.archive.iterdir() if len(p.name) == 24)[-1]
        return [f"recovery_target_time={target}"], segment
    (backup / "expected-integrity").write_text("rows.orders=3\n")
    (label,) = cluster.archive.glob("*.backup")  # named after the segment the backup began in
    return [], cluster.archive / label.name[:24]


def strategies(cluster: pg.Cluster, name: str) -> str:
    recovery = RECOVERIES[name]
    return f"""\
[[strategies]]
name = "{name}"
kind = "{recovery.kind}"
preset = "{recovery.preset}"
params = [
  {{ name = "pgdata", default = "{cluster.pgdata}" }},
  {{ name = "backup", default = "{cluster.backups / "nightly"}" }},
  {{ name = "archive", default = "{cluster.archive}" }},
  {{ name = "tables", default = "orders" }},
  {{ name = "wait_seconds", default = "30" }},
  {{ name = "stop", default = '{GATED_STOP.format(root=cluster.root, bin=cluster.bindir)}' }},
{connection(cluster)}]
"""


def _replaying(cluster: pg.Cluster) -> bool:
    """The restored cluster's startup process waits for a WAL segment from the archive.
    This cluster's: another test's cluster runs as the same account."""
    try:
        postmaster = (cluster.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
    except FileNotFoundError:
        return False
    ps = subprocess.run(["ps", "--ppid", postmaster, "-o", "args="], capture_output=True, text=True)
    return any("startup" in line and "waiting for" in line for line in ps.stdout.splitlines())


def _promoted(cluster: pg.Cluster) -> bool:
    """Out of recovery (before consistency the server refuses connections: not yet)."""
    psql = str(cluster.bindir / "psql")
    query = cluster.run(psql, "-XAtqc", "SELECT pg_is_in_recovery()", check=False)
    return query.stdout.strip() == "f"


def _ids(cluster: pg.Cluster) -> list[int]:
    return [int(x) for x in cluster.sql("SELECT id FROM orders ORDER BY id").split()]


def _killed_mid_replay(
    host,
    cluster: pg.Cluster,
    config: Path,
    journal: Path,
    name: str,
    params: list[str],
    segment: Path,
) -> Path:
    """`run` of recovery `name`, SIGKILLed while the restored cluster replays WAL: the
    archive's `segment` is a FIFO by then, so replay waits on it. Returns the segment's
    real bytes' path; writing them into the FIFO lets the recovery go on."""
    held = cluster.root / f"held-{segment.name}"
    argv = [
        sys.executable, "-m", "console", "--config", str(config), "run", "--systems", "db",
        "--strategy", name, "--trigger", "data-corruption", "--reason", "orders damaged",
        "--yes", "--journal", str(journal), *(a for p in params for a in ("--param", p)),
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(journal.parent), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, env=env)
    try:
        for _ in range(2400):  # the precheck has read the archive: the action stops
            if (cluster.root / "stopping").exists():
                break
            time.sleep(0.05)
        segment.rename(held)
        os.mkfifo(segment)
        os.chown(segment, host.account.uid, host.account.gid)
        (cluster.root / "go").touch()
        for _ in range(1200):
            if _replaying(cluster):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the restored cluster never waited for WAL")
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    return held


def _let_it_finish(cluster: pg.Cluster, held: Path) -> None:
    """The held segment arrives: the replay goes on and reaches its target."""
    segment = cluster.archive / held.name.removeprefix("held-")
    with open(segment, "wb") as fifo:  # the waiting copy has it open: the file goes back
        held_bytes = held.read_bytes()
        held.replace(segment)  # for the reads after it (promotion reads it again)
        fifo.write(held_bytes)
    for _ in range(1200):
        if _promoted(cluster):
            break
        time.sleep(0.05)


def _incident(journal: Path) -> str:
    return next(
        e.data.incident_id for e in read_journal(journal).events if e.kind == Kind.INCIDENT_OPENED
    )


async def _v(config: Path, journal: Path) -> dict[str, str]:
    """V on the resumed incident."""
    engine = Engine(load_settings(config), journal.parent / "incidents")
    conductor = engine.resume(journal)
    try:
        return await verify_unknown(conductor, None)
    finally:
        await engine.close()
        conductor.recorder.close()


@pytest.mark.parametrize("name", RECOVERIES)
async def test_a_recovery_still_replaying_after_a_crash_stays_unknown_until_it_finishes(
    host, cluster, tmp_path, name
):
    recovery = RECOVERIES[name]
    params, segment = _prepare(cluster, name)
    config = write_config(tmp_path / "config", host, strategies(cluster, name), host.home("work"))
    journal = tmp_path / "state" / "incident"
    held = _killed_mid_replay(host, cluster, config, journal, name, params, segment)
    attempts_ended(journal)  # its supervisor ends the action; the server goes on

    run = fold(read_journal(journal).events).settle().step("restore").hosts["db-1"]
    assert run.status is HostStatus.UNKNOWN

    verdicts = await _v(config, journal)

    # Said whole where the log's last lines are not above it (a notification, the
    # document): where the server logs, not "its log is above".
    log = cluster.root / f"data.rollback-{_incident(journal)}.log"
    assert verdicts["db-1"] == (
        "not verified: still under way on the host: the cluster is still recovering"
        f" ({recovery.at}; the server logs to {log}); verify it again once it has"
        " finished"
    ), verdicts
    events = read_journal(journal).events
    run = fold(events).step("restore").hosts["db-1"]
    assert run.status is HostStatus.UNKNOWN, run
    document = EXPORT_FORMATS["markdown"].render(events, False)
    assert "| db-1 | ? unknown |" in document
    assert "still under way on the host: the cluster is still recovering" in document
    # No connection was lost: the wave V ran does not say one was (it did).
    assert "1 unknown (db-1: sent, its outcome never seen:" in document
    assert "connection lost" not in document

    # The replay goes on (the held segment arrives) and reaches its target; V again.
    _let_it_finish(cluster, held)
    verdicts = await _v(config, journal)

    assert verdicts == {"db-1": "verified: succeeded"}
    assert _ids(cluster) == recovery.ids
    events = read_journal(journal).events
    sent = [e.data.stage for e in events if e.kind == Kind.COMMAND_INTENT]
    assert sent == ["precheck", "action", "verify", "verify"]  # nothing else sent again
    assert fold(events).step("restore").hosts["db-1"].status is HostStatus.SUCCEEDED
    # What the killed action would have done after the promotion, done by the verify: its
    # recovery settings out of postgresql.auto.conf (a replica cloned from here would copy
    # them, stop at the target and promote), the restore marked finished for undo.
    assert "recovery_target" not in (cluster.pgdata / "postgresql.auto.conf").read_text()
    [state_file] = cluster.root.glob("data.rollback-*[0-9a-f]")
    assert "recovered=1" in state_file.read_text().split()
    # Where the recovery stopped, and the data after it, are on the record as after a run
    # that was not cut short (V's verify printed them, and nothing recorded them): judged
    # as the run judges it, on the precheck's expectation (for a time: none, recorded).
    after = [e.data.dump() for e in events if e.kind == Kind.INTEGRITY_RECORDED][-1]
    rows = {"orders": len(recovery.ids)}
    assert (after["stage"], after["rows"], after["verdict"]) == ("after", rows, recovery.verdict)
    stopped = after["recovery"]["stopped"]
    assert stopped.startswith(recovery.stopped), after
    document = EXPORT_FORMATS["markdown"].render(events, False)
    section = document.split("## Data integrity")[1].split("\n## ")[0]
    assert f"| {stop_said(stopped)} (timeline 2) |" in section, section
    # V's close of the step says what it recovered to, as a run's close does (its
    # step.completed carried no `to`: the timeline read 'finished step ...: done' alone)
    starts = [e for e in events if e.kind == Kind.STEP_STARTED and e.where.step == "restore"]
    ends = [e for e in events if e.kind == Kind.STEP_COMPLETED and e.where.step == "restore"]
    to = starts[-1].data.to
    assert to and ends[-1].data.to == to, ends
    # As the timeline's cell shows it (a temporary directory's `_` is escaped there).
    assert cell(f"done (1 succeeded); recovered to {to}") in document, document


async def test_verify_by_hand_of_a_closed_restore_says_the_data_after(host, cluster, tmp_path):
    """A restore killed mid-recovery, its incident closed with the host unknown (by a
    process that then exits, as a console that quit), the recovery left to finish, then
    `rollback-console verify ID`: it said 'db-1: verified: succeeded (the step's verify
    found the change made)' and nothing of the data, in its own incident and in the note
    it leaves in the closed one: not the rows, not what was restored, not where the
    recovery stopped. Its verify's after is recorded and judged as V records it, and said."""
    from tests.test_verify_closed import CLOSE

    params, segment = _prepare(cluster, "basebackup")
    config = write_config(
        tmp_path / "config", host, strategies(cluster, "basebackup"), host.home("work")
    )
    journal = tmp_path / "state" / "incident"
    held = _killed_mid_replay(host, cluster, config, journal, "basebackup", params, segment)
    attempts_ended(journal)
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(journal.parent)}
    argv = [sys.executable, "-c", CLOSE, str(config), str(journal)]
    closed = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert closed.returncode == 0, closed.stdout + closed.stderr
    _let_it_finish(cluster, held)

    argv = [
        sys.executable, "-m", "console", "--config", str(config), "verify", _incident(journal),
        "--take-over-lock", "the recovery has finished",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)

    assert done.returncode == 0, done.stdout + done.stderr
    [said] = [ln for ln in done.stdout.splitlines() if ln.startswith("db-1: verified: ")]
    backup = cluster.backups / "nightly"
    assert said.startswith(
        "db-1: verified: succeeded (the step's verify found the change made); data after in"
        f" database postgres: orders=3 (match); restored to backup {backup} (started "
    ), said
    assert said.endswith("; recovery stopped reached consistency (timeline 2)"), said
    assert _ids(cluster) == [1, 2, 3]
    events = read_journal(journal).events
    [note] = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED][-1:]
    assert "; data after in database postgres: orders=3 (match); restored to backup " in note
