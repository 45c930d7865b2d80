"""A WAL archive holding a segment cut short (an archive_command's `cp` stopped by a full
disk or a kill: the file is there, the archiver's `test ! -f` then refuses every retry, and
the segment stays "ready" in pg_wal), against a real cluster over real sshd. Recovery's
restore_command takes the archive's copy before pg_wal is looked at, and PostgreSQL stops
on it with FATAL; the precheck refuses it, naming the segment, before anything changes."""

from __future__ import annotations

import pytest

from tests import pgrig
from tests.test_presets_postgres import NOW_UTC, configure, ids, kept_aside

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures

CUT = 2490368  # what was left of the copy when it was seen, on a tmpfs that filled up


@pytest.mark.parametrize("strategy", ["pitr", "replay", "restore"])
def test_an_archived_segment_cut_short_is_refused_and_nothing_changes(
    host, cluster, tmp_path, strategy
):
    """Seen walking the presets on real sshd: a WAL replay to the end passed its precheck
    (it read the segment's whole copy in the cluster's pg_wal), replaced the data directory,
    and recovery stopped with 'FATAL: archive file "000000010000000000000003" has wrong
    size: 2490368 instead of 16777216': 'recovery failed: the cluster did not start',
    the database down until undo. A restore of the backup alone read it too, its archive
    set: recovery reads the archive past the backup's end."""
    cluster.sql("CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1)")
    cluster.basebackup("nightly")
    cluster.sql("INSERT INTO orders VALUES (2)")
    cut = cluster.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
    cluster.switch_wal_and_wait_archived()
    target = cluster.sql(NOW_UTC)
    cluster.sql("INSERT INTO orders VALUES (3)")
    # the archiver's copy cut short, the segment still to archive in pg_wal
    with open(cluster.archive / cut, "r+b") as segment:
        segment.truncate(CUT)
    status = cluster.pgdata / "pg_wal" / "archive_status"
    (status / f"{cut}.done").rename(status / f"{cut}.ready")
    config = configure(host, cluster, tmp_path)
    params = [f"recovery_target_time={target}"] if strategy == "pitr" else []

    outcome = pgrig.run_console(config, tmp_path / "state", strategy, *params)

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert f"the WAL archive's {cut} is {CUT} bytes, not 16777216: a copy cut short" in summary
    assert cluster.running() and ids(cluster) == [1, 2, 3]
    assert kept_aside(cluster, outcome.incident) == []
