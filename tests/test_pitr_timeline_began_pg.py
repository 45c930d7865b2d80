"""postgres-pitr knows when the timeline it follows began from more than one file's mtime.

The precheck refuses a time before the followed timeline began where commits up to it lie
past the fork (test_presets_postgres_refused_targets), and took that beginning from the mtime of the
timeline's history file in pg_wal alone: the time the file was last written, not the
promotion. Walked on real PostgreSQL 15 over real sshd: a recovery to a time left the
cluster on timeline 2 (the bad row left behind on timeline 1), an order taken since, then
the data directory moved to a bigger disk by a copy that keeps no times (`cp -r`); a
second recovery, to a time after that order (a later bad change to undo), was refused:
'timeline 2, which recovery follows, began <the copy's time> UTC, after ...: choose a time
after it began', sending the commander past the very change they meant to undo. The
beginning is now the earliest of what can say it: the history file in pg_wal and in the
archive, and the first commit on the timeline past its fork (a timeline began before
anything was committed on it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import pgrig
from tests.pgrig import run_console
from tests.test_presets_postgres import NOW_UTC, configure, ids, kept_aside
from tests.test_presets_postgres import _backed_up_then_a_bad_row as backed_up_then_a_bad_row

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


def test_a_time_after_the_timeline_began_is_restored_after_its_data_directory_was_copied(
    host, cluster, tmp_path: Path
):
    (first,) = backed_up_then_a_bad_row(cluster, between=f"{NOW_UTC};\n")
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    done = run_console(config, tmp_path / "one", "pitr", f"recovery_target_time={first}")
    assert done.rolled_back(), done.stdout + done.stderr
    assert ids(cluster) == [1, 2, 3, 4]  # timeline 2; the bad row 5 left on timeline 1
    (second,) = cluster.sql(
        "INSERT INTO orders VALUES (6, 'taken since');\n"
        + NOW_UTC
        + ";\nINSERT INTO orders VALUES (7, 'another bad row');\n"
    ).split()
    cluster.switch_wal_and_wait_archived()
    # moved to a bigger disk by a copy that keeps no times
    cluster.stop_all()
    moved = cluster.root / "moved"
    cluster.run("cp", "-r", str(cluster.pgdata), str(moved))
    cluster.run("rm", "-rf", str(cluster.pgdata))
    cluster.run("mv", str(moved), str(cluster.pgdata))
    cluster.start()

    outcome = run_console(config, tmp_path / "two", "pitr", f"recovery_target_time={second}")

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3, 4, 6]
    assert kept_aside(cluster, outcome.incident) == [
        f"data.replaced-{outcome.incident}",
        f"data.rollback-{outcome.incident}",
        f"data.rollback-{outcome.incident}.log",
    ]
