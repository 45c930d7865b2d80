"""A backup taken from a standby: where it ends, for the WAL presets' refusal of a target
inside the backup.

Backups are often taken from a standby, to spare the primary. A standby writes no WAL, so
its backup has no BACKUP_END record: PostgreSQL takes the backup's end from the pg_control
the backup holds (its minimum recovery point; backup_label says `BACKUP FROM: standby`).
Walked on real PostgreSQL 15 over real sshd: the nightly taken from a standby while orders
came in on the primary, a point-in-time recovery to a time between two of them, both before
the backup ended: the precheck, finding no BACKUP_END record, passed; the data directory
was replaced and PostgreSQL stopped recovery with FATAL 'requested recovery stop point is
before consistent recovery point', the server down, the undo the only way back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import pg, pgrig
from tests.test_pitr_inside_backup_pg import (
    _backup_while_orders_come_in,
    _refused,
    _restored_after_a_bad_row,
)
from tests.test_presets_postgres import NOW_UTC, ORDERS, ids

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


@pytest.fixture
def standby(cluster: pg.Cluster) -> Iterator[pg.Cluster]:
    """A streaming standby of the cluster, orders made before it was cloned."""
    cluster.sql(ORDERS)
    yield pg.start_standby(cluster)  # stopped and removed with the cluster


def test_a_target_inside_a_backup_taken_from_a_standby_is_refused(host, cluster, standby, tmp_path):
    (target,) = _backup_while_orders_come_in(
        cluster,
        "INSERT INTO orders VALUES (4, 'saucer');\n"
        + NOW_UTC
        + ";\nINSERT INTO orders VALUES (5, 'spoon');\n",
        source=standby,
    )
    label = (cluster.backups / "nightly/base.tar").read_bytes()
    assert b"BACKUP FROM: standby" in label  # what this test is about

    outcome = _restored_after_a_bad_row(
        host, cluster, tmp_path, "pitr", f"recovery_target_time={target}"
    )

    summary = _refused(cluster, outcome)
    assert "while the backup was taken" in summary, summary
    assert "choose an older backup, or a time at or after " in summary, summary


def test_a_target_after_a_standby_backup_ended_is_recovered(host, cluster, standby, tmp_path):
    """The same backup, a time after it ended: recovered to that time, nothing more."""
    _backup_while_orders_come_in(
        cluster,
        "INSERT INTO orders VALUES (4, 'saucer');\nINSERT INTO orders VALUES (5, 'spoon');\n",
        source=standby,
    )
    (target,) = cluster.sql(NOW_UTC + ";\n").split()

    outcome = _restored_after_a_bad_row(
        host, cluster, tmp_path, "pitr", f"recovery_target_time={target}"
    )

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3, 4, 5]  # the bad row 6, committed after, is gone
    after = outcome.integrity("after")
    assert after["rows"]["orders"] == 5, after
    # its standby.signal left out: no signal file lingers for the next start (it left
    # recovery.signal, the verify read 'the cluster is still recovering', exit 75)
    assert "the backup was taken from a standby: its standby.signal is left out" in outcome.stdout
    assert not [p.name for p in cluster.pgdata.glob("*.signal")]
    cluster.run(str(cluster.bindir / "pg_ctl"), "-D", str(cluster.pgdata), "-w", "stop")
    cluster.start()
    assert cluster.sql("SELECT pg_is_in_recovery()") == "f" and ids(cluster) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("strategy", "recovered"), [("restore", 5), ("replay", 6)])
def test_a_backup_taken_from_a_standby_restores_as_a_primary(
    host, cluster, standby, tmp_path, strategy, recovered
):
    """Restored to its consistent point (postgres-basebackup), or with the WAL replayed to
    the end (postgres-wal): the backup's standby.signal came with it, and the restored
    server ran as a standby: the restore left recovery.signal behind once promoted (the
    verify read 'the cluster is still recovering', exit 75), the replay to the end never
    ended (a standby waits for more WAL), the server never promoted."""
    _backup_while_orders_come_in(
        cluster,
        "INSERT INTO orders VALUES (4, 'saucer');\nINSERT INTO orders VALUES (5, 'spoon');\n",
        source=standby,
    )

    outcome = _restored_after_a_bad_row(host, cluster, tmp_path, strategy, "wait_seconds=30")

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == list(range(1, recovered + 1))
    assert outcome.integrity("after")["rows"]["orders"] == recovered
    assert not [p.name for p in cluster.pgdata.glob("*.signal")]
