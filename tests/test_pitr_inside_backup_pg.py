"""The WAL presets refuse a target inside the backup: a time before a transaction that
committed while the backup was being taken (postgres-pitr), a restore point made or an
LSN read then (postgres-wal).

Recovery from a base backup is consistent only once it has replayed the WAL up to the
backup's end; a recovery to a time stops before the first transaction that committed after
it. Walked on real PostgreSQL 15 over real sshd with the nightly taken while orders came
in (pg_basebackup streaming, an order committed before the target and one after, both
before the backup ended): the backup started before the target, so the precheck passed;
recovery stopped at the second order, short of the backup's end, and PostgreSQL ended it
with FATAL 'requested recovery stop point is before consistent recovery point': the
server down, its data directory replaced, the undo the only way back. The precheck reads
the WAL up to the backup's end and refuses, nothing changed."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests import pg, pgrig
from tests.pgrig import run_console
from tests.test_presets_postgres import NOW_UTC, ORDERS, configure, ids, kept_aside

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


def _backup_while_orders_come_in(
    cluster: pg.Cluster, during: str, source: pg.Cluster | None = None
) -> list[str]:
    """pg_basebackup into backups/nightly (tar, WAL fetched, its manifest beside it), held
    after its start until `during` has run; what `during` printed. `source`: the server
    the backup is taken from (a standby of `cluster`, which replays `during` and makes a
    restartpoint before the backup goes on); else `cluster`."""
    source = source or cluster
    target = cluster.backups / "nightly"
    cluster.run("mkdir", "-m", "700", str(target))
    as_account = {}
    if os.geteuid() == 0 and cluster.account.uid != 0:
        as_account = {"user": cluster.account.uid, "group": cluster.account.gid, "extra_groups": []}
    env = {"PATH": f"{cluster.bindir}:/usr/bin:/bin", "HOME": str(cluster.account.home),
           "LC_ALL": "C", "PGHOST": pg.HOST, "PGPORT": str(source.port)}  # fmt: skip
    # Its output unread, the backup stops once the pipe is full: started, not ended.
    backup = subprocess.Popen(
        [str(cluster.bindir / "pg_basebackup"), "-D", "-", "-Ft", "-X", "fetch", "-c", "fast"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cluster.root, **as_account,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while (
            source.sql(
                "SELECT count(*) FROM pg_stat_progress_basebackup"
                " WHERE phase = 'streaming database files'"
            )
            != "1"
        ):
            assert backup.poll() is None and time.monotonic() < deadline, "no backup under way"
            time.sleep(0.05)
        said = cluster.sql(during).split()
        if source is not cluster:  # replayed, then a restartpoint (a checkpoint replayed):
            # the standby's pg_control, which the backup copies last, says where it ends
            cluster.sql("CHECKPOINT")
            pg.replayed(source, cluster.sql("SELECT pg_current_wal_lsn()"))
            source.sql("CHECKPOINT")
        out, err = backup.communicate(timeout=120)
    finally:
        if backup.poll() is None:
            backup.kill()
            backup.wait()
    assert backup.returncode == 0, err
    (target / "base.tar").write_bytes(out)
    cluster.run("tar", "-xf", str(target / "base.tar"), "-C", str(target), "backup_manifest")
    return said


def test_a_target_before_a_commit_the_backup_holds_is_refused(host, cluster, tmp_path: Path):
    cluster.sql(ORDERS)
    (target,) = _backup_while_orders_come_in(
        cluster,
        "INSERT INTO orders VALUES (4, 'saucer');\n"
        + NOW_UTC
        + ";\nINSERT INTO orders VALUES (5, 'spoon');\n",
    )
    outcome = _restored_after_a_bad_row(
        host, cluster, tmp_path, "pitr", f"recovery_target_time={target}"
    )

    summary = _refused(cluster, outcome)
    assert "while the backup was taken" in summary, summary
    assert "choose an older backup, or a time at or after " in summary, summary


@pytest.mark.parametrize("to", ["restore point", "lsn"])
def test_a_restore_point_or_lsn_the_backup_holds_is_refused(host, cluster, tmp_path, to):
    """The same with the WAL replay: a restore point made, or an LSN read, while the backup
    was taken."""
    cluster.sql(ORDERS)
    during = (
        "SELECT pg_create_restore_point('before-deploy-42');\n"
        if to == "restore point"
        else "SELECT pg_current_wal_insert_lsn();\n"
    )
    said = _backup_while_orders_come_in(
        cluster,
        "INSERT INTO orders VALUES (4, 'saucer');\n"
        + during
        + "INSERT INTO orders VALUES (5, 'spoon');\n",
    )
    param = (
        "recovery_target_name=before-deploy-42"
        if to == "restore point"
        else f"recovery_target_lsn={said[-1]}"
    )
    outcome = _restored_after_a_bad_row(host, cluster, tmp_path, "replay", param)

    summary = _refused(cluster, outcome)
    assert (
        "was made while the backup was taken" in summary
        or "was written while the backup was taken" in summary
    ), summary
    assert "choose an older backup, or " in summary, summary


def _restored_after_a_bad_row(
    host, cluster, tmp_path: Path, strategy: str, param: str
) -> pgrig.Outcome:
    cluster.sql("INSERT INTO orders VALUES (6, 'bad row')")
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    return run_console(config, tmp_path / "state", strategy, param)


def _refused(cluster: pg.Cluster, outcome: pgrig.Outcome) -> str:
    """Refused at the precheck, nothing changed: the host's summary line."""
    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert cluster.running() and ids(cluster) == [1, 2, 3, 4, 5, 6]
    assert kept_aside(cluster, outcome.incident) == []
    return next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
