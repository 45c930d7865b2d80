"""How a data restore was verified, in the rollback document: what each host's verify
checked on the database and what it found, from the journal's records. Walked on a real
PostgreSQL over real sshd: after a point-in-time recovery the document's Data integrity
row read just 'recorded', the target reached, the replay position and the server's state
in the verify's raw output only."""

from __future__ import annotations

import json

import pytest

from tests import pgrig
from tests.test_presets_postgres import (
    _backed_up_then_a_bad_row,
    configure,
    export,
    recovered_to_a_time,
    run_console,
)

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures
NOT_JUDGED = "recorded, not judged: nothing was expected of it"  # it read "recorded"
HEAD = "How it was verified (what each host's verify checked on the database, and found):"


def _said(markdown: str) -> tuple[str, list[str]]:
    """The Data integrity table's verdict cell, and the lines under "How it was verified"."""
    section = markdown.split("## Data integrity")[1].split("\n## ")[0]
    row = next(line for line in section.splitlines() if line.startswith("| db-1 "))
    assert HEAD in section, section
    return row.split(" | ")[6], section.split(HEAD)[1].strip().splitlines()


def test_a_point_in_time_recovery_says_what_its_verify_checked(host, cluster, tmp_path):
    target, outcome, _ = recovered_to_a_time(host, cluster, tmp_path)
    after = outcome.integrity("after")
    last = after["restored"].split("(the last transaction replayed committed at ")[1].split(")")[0]
    version = cluster.sql("SHOW server_version")
    checks = [
        "the cluster is out of recovery, promoted to timeline 2",
        f"recovery stopped at the target time {target}, as asked (timeline 2's history file)",
        f"the last transaction replayed committed at {last}, not after the target {target}",
        f"accepting connections on PostgreSQL {version}",
    ]
    assert after["checks"] == checks, after

    journal = tmp_path / "state" / "incident-pitr"
    verdict, said = _said(export(journal, "markdown"))
    assert verdict == NOT_JUDGED
    measured = f"row counts customers 2, orders 4 and checksum {after['checksum'][:16]}"
    assert said == [
        f"- **db-1** (restore, pitr): {'; '.join(checks)}; {measured} in database postgres:"
        f" {NOT_JUDGED}"
    ], said
    document = json.loads(export(journal, "json"))["document"]
    assert document["integrity"][0]["checks"] == checks


@pytest.mark.parametrize("to", ["restore point", "lsn"])
def test_a_wal_replay_says_the_target_its_verify_found(host, cluster, tmp_path, to):
    lsn = _backed_up_then_a_bad_row(
        cluster,
        between="SELECT pg_create_restore_point('before-deploy-42');\n"
        "SELECT pg_current_wal_insert_lsn();\n",
    )[-1]
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    param = (
        "recovery_target_name=before-deploy-42"
        if to == "restore point"
        else f"recovery_target_lsn={lsn}"
    )
    outcome = run_console(config, tmp_path / "state", "replay", param)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    checks = outcome.integrity("after")["checks"]
    reached = (
        "recovery stopped at the restore point before-deploy-42, as asked (timeline 2's history file)"
        if to == "restore point"
        else "recovery stopped after LSN "
    )
    assert checks[0] == "the cluster is out of recovery, promoted to timeline 2", checks
    assert checks[1].startswith(reached), checks
    if to == "lsn":
        assert checks[1].endswith(f", at or past LSN {lsn} as asked (timeline 2's history file)")
    assert checks[2].startswith("the last transaction replayed committed at 20"), checks
    _, said = _said(export(tmp_path / "state" / "incident-replay", "markdown"))
    assert said[0].startswith(f"- **db-1** (restore, replay): {'; '.join(checks)}; "), said


def test_a_backup_restore_says_it_matched_what_was_expected(host, cluster, tmp_path):
    _backed_up_then_a_bad_row(cluster, between="")
    (cluster.backups / "nightly" / "expected-integrity").write_text(
        "rows.orders=3 rows.customers=2\n"
    )
    config = configure(host, cluster, tmp_path)
    outcome = run_console(config, tmp_path / "state", "restore")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    after = outcome.integrity("after")
    assert after["checks"][:2] == [
        "the cluster is out of recovery, promoted to timeline 2",
        "recovery stopped at the backup's consistent point, as asked (timeline 2's history file)",
    ], after
    verdict, said = _said(export(tmp_path / "state" / "incident-restore", "markdown"))
    assert verdict == "match"
    assert said[0].endswith(
        f"row counts customers 2, orders 3 and checksum {after['checksum'][:16]}"
        " in database postgres: match, as expected"
    ), said
