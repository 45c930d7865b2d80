"""postgres-pitr reads when the backup started in the zone the server wrote it in.

PostgreSQL writes the backup label's START TIME in its `log_timezone` with that zone's
abbreviation (`2026-12-06 09:40:03 CST` in Asia/Shanghai, `... IST` in Asia/Jerusalem),
and GNU date, which the precheck compared it with the target by, reads CST as America's
(UTC-6, not UTC+8) and IST as India's (UTC+05:30, not UTC+2). Walked on real PostgreSQL 15
over real sshd: in Shanghai a backup taken a minute before the target was refused as
'started ... not before' it (read 14 h late: 'choose an older backup', on the worst day,
with none older); in Jerusalem a target an hour before the backup passed (read 3.5 h
early), recovery stopped at its first commit past the backup's end and promoted, and the
run closed 'rolled back and verified' on orders committed an hour after the time asked
for. The precheck reads the label in the server's own zone. The record said the restore
'(started 2026-12-06 09:35:27 CST)' beside times in UTC; it says the start in UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests import pgrig
from tests.pgrig import run_console
from tests.test_presets_postgres import NOW_UTC, ORDERS, configure, ids, kept_aside

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures

# A time this long before now, as a recovery target in UTC.
AGO_UTC = (
    "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC' - interval '{}',"
    ' \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\')'
)


def _in_zone(cluster, zone: str) -> str:
    """The cluster logging in `zone`, its orders backed up ("nightly"); the label's START TIME."""
    cluster.sql(f"ALTER SYSTEM SET log_timezone = '{zone}';\nSELECT pg_reload_conf();")
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    label = cluster.run(
        "sh", "-c", f"zcat {cluster.backups}/nightly/base.tar.gz | tar -xO backup_label"
    )
    return next(ln for ln in label.stdout.splitlines() if ln.startswith("START TIME: "))


def test_a_backup_taken_before_the_target_is_restored_whatever_its_zone_abbreviation(
    host, cluster, tmp_path: Path
):
    started = _in_zone(cluster, "Asia/Shanghai")
    assert started.endswith(" CST"), started  # China Standard Time, UTC+8
    target = cluster.sql(
        "INSERT INTO orders VALUES (4, 'saucer');\n" + NOW_UTC + ";\n"
        "INSERT INTO orders VALUES (5, 'bad row');"
    ).split()[-1]
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "pitr", f"recovery_target_time={target}")

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert ids(cluster) == [1, 2, 3, 4]
    # the record says when in UTC, as its other times: 'started 2026-12-06 09:35:27 CST'
    # read as America's Central time, 14 h after the target, beside it in the document
    local = datetime.strptime(started.removeprefix("START TIME: ")[:19], "%Y-%m-%d %H:%M:%S")
    utc = (local - timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    restored = outcome.integrity("after")["restored"]
    assert restored.startswith(f"backup {cluster.backups / 'nightly'} (started {utc} UTC)"), (
        restored
    )


def test_a_target_before_the_backup_is_refused_whatever_its_zone_abbreviation(
    host, cluster, tmp_path: Path
):
    started = _in_zone(cluster, "Asia/Jerusalem")
    assert started.endswith((" IST", " IDT")), started  # Israel's, UTC+2 or +3
    utc = datetime.fromisoformat(cluster.sql(AGO_UTC.format("1 hour")).replace("Z", "+00:00"))
    # written with an offset (Jerusalem's winter one), as a commander there might: the
    # refusal says it in UTC too, as it says the backup's start ('not before
    # 2026-12-07T11:46:00.1234+02:00: choose an older backup' beside a start in UTC)
    target = utc.astimezone(timezone(timedelta(hours=2))).isoformat()
    in_utc = f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond:06d}".rstrip("0").rstrip(".")
    cluster.sql("INSERT INTO orders VALUES (4, 'saucer')")
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "pitr", f"recovery_target_time={target}")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert f"not before {target} ({in_utc} UTC): choose an older backup" in summary, summary
    assert cluster.running() and ids(cluster) == [1, 2, 3, 4]
    assert kept_aside(cluster, outcome.incident) == []
