"""A WAL archive holding a segment shorter than the segment size, against a real cluster
over real sshd. Cut short (an archive_command's `cp` stopped by a full disk or a kill: the
file is there, the archiver's `test ! -f` then fails every retry, and the segment stays
"ready" in pg_wal), recovery's restore_command takes the archive's copy before pg_wal is
looked at, and PostgreSQL stops on it with FATAL: the precheck refuses it, naming the
segment, before anything changes. Still being copied by the running cluster's archiver
(PostgreSQL's documented `test ! -f ... && cp %p ...` writes the file as it goes), it is
waited for, bounded."""

from __future__ import annotations

import concurrent.futures
import re
import time

import pytest

from console.journal.files import OUTPUT_NAME
from tests import pg, pgrig
from tests.test_presets_postgres import NOW_UTC, configure, ids, kept_aside

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures

CUT = 2490368  # what was left of the copy when it was seen, on a tmpfs that filled up
PART = 14680064  # what the precheck read of a copy still under way, in a race last seen


def _short_and_ready(cluster: pg.Cluster, size: int) -> tuple[str, str]:
    """Backed up, order 2 in a segment archived since, order 3 after it: that segment's
    archive copy cut to `size` bytes, marked ready again in pg_wal (as while the archiver
    copies it); the segment, and a time between orders 2 and 3."""
    cluster.sql("CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1)")
    cluster.basebackup("nightly")
    cluster.sql("INSERT INTO orders VALUES (2)")
    segment = cluster.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
    cluster.switch_wal_and_wait_archived()
    target = cluster.sql(NOW_UTC)
    cluster.sql("INSERT INTO orders VALUES (3)")
    with open(cluster.archive / segment, "r+b") as copy:
        copy.truncate(size)
    status = cluster.pgdata / "pg_wal" / "archive_status"
    (status / f"{segment}.done").rename(status / f"{segment}.ready")
    return segment, target


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
    cut, target = _short_and_ready(cluster, CUT)
    # the archiver woken (a segment to archive after it) tries it again, and fails
    cluster.sql("SELECT pg_switch_wal()")
    failed = f"SELECT coalesce(last_failed_wal = '{cut}', false) FROM pg_stat_archiver"
    deadline = time.monotonic() + pg.ARCHIVE_TIMEOUT
    while cluster.sql(failed) != "t":
        assert time.monotonic() < deadline, "the archiver did not try the segment again"
        time.sleep(0.05)
    config = configure(host, cluster, tmp_path)
    params = [f"recovery_target_time={target}"] if strategy == "pitr" else []

    outcome = pgrig.run_console(config, tmp_path / "state", strategy, *params)

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert f"the WAL archive's {cut} is {CUT} bytes, not 16777216: a copy cut short" in summary
    failed_at = (
        r"\(the archiver failed on it at [0-9-]{10} [0-9:]{8} UTC and has not archived it since"
    )
    assert re.search(failed_at, summary), summary
    assert cluster.running() and ids(cluster) == [1, 2, 3]
    assert kept_aside(cluster, outcome.incident) == []


def test_a_segment_the_archiver_is_still_copying_is_waited_for(host, cluster, tmp_path):
    """Seen through a test race last session: a point-in-time recovery's precheck read the
    archive while the archiver's `cp` was at 14,680,064 bytes of 16,777,216 and refused it
    as 'a copy cut short', where waiting a moment would do. Bounded (wait_seconds, 1 here)
    it is refused saying the archiver is still copying, and what to do; waited for (the
    default), the copy ends and the recovery goes on to the time asked. Two runs, each
    about 3 s (most of it the backup staged): the bound's refusal and the wait."""
    segment, target = _short_and_ready(cluster, PART)
    config = configure(host, cluster, tmp_path)
    at = f"recovery_target_time={target}"

    hurried = pgrig.run_console(config, tmp_path / "hurried", "pitr", at, "wait_seconds=1")

    assert hurried.returncode == 1 and hurried.failed_stage() == "precheck", hurried.stdout
    assert (
        f"the archiver is still copying {segment} into the WAL archive ({PART} of 16777216"
        f" bytes after 1 s; pg_wal/archive_status/{segment}.ready is still there)"
    ) in hurried.stdout, hurried.stdout
    assert "then retry; nothing was changed" in hurried.stdout
    assert kept_aside(cluster, hurried.incident) == []
    said = tmp_path / "state" / "incident-pitr" / OUTPUT_NAME  # the hosts' lines, as they come
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        run = pool.submit(pgrig.run_console, config, tmp_path / "state", "pitr", at)
        waiting = f"the archiver is still copying {segment} into the WAL archive ({PART} of"
        while not (said.exists() and waiting in said.read_text()):
            assert not run.done(), run.result().stdout  # main: refused as cut short at once
            time.sleep(0.05)
        # the archiver's copy ends well: the file whole, the segment marked done
        archived = cluster.archive / segment
        cluster.run("cp", str(cluster.pgdata / "pg_wal" / segment), f"{archived}.part")
        cluster.run("mv", f"{archived}.part", str(archived))
        status = cluster.pgdata / "pg_wal" / "archive_status"
        cluster.run("mv", str(status / f"{segment}.ready"), str(status / f"{segment}.done"))
        outcome = run.result()

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2]
    assert f"the archiver has copied {segment} whole" in said.read_text()
