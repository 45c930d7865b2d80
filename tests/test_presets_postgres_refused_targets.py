"""The PostgreSQL recovery presets refusing a recovery target the WAL does not reach,
against a real cluster over real sshd, through `rollback-console run`: a restore point it
lacks, an LSN past its end, a time no transaction reaches, a target on an abandoned
timeline or before the timeline began, past a gap in the archive, no real time, two
targets at once: each refused, saying why, nothing changed. A backup or host the presets
refuse is tests/test_presets_postgres_refused_backups.py; the helpers are
tests/test_presets_postgres.py's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from console.model.events import Kind
from tests import pgrig
from tests.pgrig import run_console
from tests.test_presets_postgres import (
    NOW_UTC,
    ORDERS,
    _backed_up_then_a_bad_row,
    configure,
    ids,
    kept_aside,
)

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


def test_a_restore_point_the_wal_lacks_is_refused_and_nothing_changes(host, cluster, tmp_path):
    """Walked on a real cluster: a mistyped restore point stopped the server mid-recovery
    with its data directory replaced ("recovery ended before configured recovery target
    was reached"), the database down until an undo."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("SELECT pg_create_restore_point('before-deploy-42')")
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)

    outcome = run_console(
        config, tmp_path / "state", "replay", "recovery_target_name=before-deploy-24"
    )

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck"
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert summary.endswith(
        "no restore point before-deploy-24 in the WAL since the backup (found:"
        " before-deploy-42): check the name, or give recovery_target_lsn"
    ), summary
    assert cluster.running() and ids(cluster) == [1, 2, 3]
    assert kept_aside(cluster, outcome.incident) == []


def test_wal_replay_refuses_an_lsn_past_the_end_of_the_wal(host, cluster, tmp_path):
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "replay", "recovery_target_lsn=FF/0")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck"
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert (
        "recovery_target_lsn FF/0 is past the end of the WAL (the cluster writes at 0/" in summary
    )
    assert cluster.running() and ids(cluster) == [1, 2, 3]
    assert kept_aside(cluster, outcome.incident) == []


def test_point_in_time_refuses_a_target_no_transaction_reaches(host, cluster, tmp_path):
    """A time later than every transaction in the WAL would end recovery with FATAL, the
    server stopped, its data directory replaced. Here 5 minutes ahead of now, which the jump
    host leaves to the host (its clock may run ahead); further ahead (a zone written wrong)
    is refused before anything is sent (tests/test_cli_run.py)."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("INSERT INTO orders VALUES (4, 'saucer')")
    cluster.switch_wal_and_wait_archived()
    ahead = cluster.sql(
        "SELECT to_char(now() AT TIME ZONE 'UTC' + interval '5 minutes',"
        ' \'YYYY-MM-DD"T"HH24:MI:SS"Z"\')'
    )
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "pitr", f"recovery_target_time={ahead}")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck"
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert f"no transaction in the WAL since the backup ended at or after {ahead}" in summary
    assert summary.endswith(
        "recovery would never reach it and stop the server; choose an earlier time"
    )
    assert cluster.running() and ids(cluster) == [1, 2, 3, 4]
    assert kept_aside(cluster, outcome.incident) == []


@pytest.mark.parametrize("strategy", ["pitr", "replay"])
def test_a_target_only_an_abandoned_timeline_reaches_is_refused(host, cluster, tmp_path, strategy):
    """Seen on a real fleet: a recovery to a time (or a restore point) left the cluster on
    timeline 2, forked before the bad row's commit. A second recovery there to the same
    time passed the precheck, which read every timeline's WAL and found that commit on
    timeline 1; recovery follows timeline 2, which never reaches it: FATAL, the server
    stopped, its data directory replaced. The precheck reads the timelines recovery
    follows, and refuses; nothing changes. Its refusal of the time said 'choose an earlier
    time', of the very time the data was brought back to: it says that the cluster holds
    it already, and that the later commits need the earlier recovery undone first. The
    time is reached already: nothing to do there (exit 120, docs/strategies.md's "Refused
    at the precheck"), the host refused, not failed, `run` exiting 3 as for a migration
    reversed already (it failed the host with exit 3, `run` exiting 1)."""
    target, _point = _backed_up_then_a_bad_row(
        cluster,
        between=f"{NOW_UTC};\n",
        after="SELECT pg_create_restore_point('after-the-bad-row');\n",
    )
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    first = run_console(config, tmp_path / "one", "pitr", f"recovery_target_time={target}")
    assert first.rolled_back(), first.stdout + first.stderr
    assert ids(cluster) == [1, 2, 3, 4]
    param = {
        "pitr": f"recovery_target_time={target}",
        "replay": "recovery_target_name=after-the-bad-row",
    }[strategy]

    # a file beside it, as a restore aimed at the kept copy leaves (walked: the refusal
    # named 'incident ID.rollback-ID2.log, which kept ... at .../data.replaced-ID.rollback-ID2.log')
    (cluster.root / f"data.replaced-{first.incident}.rollback-x.log").touch()

    outcome = run_console(config, tmp_path / "two", strategy, param)

    if strategy == "replay":  # it said 'check the name' of a name that was right
        assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
        summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    else:
        assert outcome.refused(), outcome.stdout + outcome.stderr
        [result] = [e.data for e in outcome.events if e.kind == Kind.COMMAND_RESULT]
        summary = result.refused
    assert "timeline 2" in summary, summary
    if strategy == "replay":
        assert summary.endswith(
            "restore point after-the-bad-row is in the WAL since the backup, but past where"
            " timeline 2, which recovery follows, forked away from it (an earlier recovery):"
            " recovery along timeline 2 never reaches it (found on it: none); give a point or"
            " an LSN on timeline 2"
        ), summary
    else:  # it said 'choose an earlier time' of the very time the data is at
        assert (
            "the cluster holds all of them already, so recovering to that time changes"
            " nothing. Later ones (the first at "
        ) in summary, summary
        assert summary.endswith(
            f"undo that recovery first (incident {first.incident}, which kept the data"
            f" directory from before it at {cluster.pgdata}.replaced-{first.incident}), then"
            " run this again"
        ), summary
    assert cluster.running() and ids(cluster) == [1, 2, 3, 4]
    assert kept_aside(cluster, outcome.incident) == []


def test_point_in_time_refuses_a_time_before_the_timeline_it_follows_began(host, cluster, tmp_path):
    """Walked as a database owner on a bad day: the nightly backup restored first (the
    cluster promoted to timeline 2 at the backup's end), orders taken since; then a
    recovery to a time before that restore, to get back what was committed between the
    backup and the bad row. Recovery follows timeline 2, which never held that commit (it
    is on timeline 1, past the fork): it stopped at the fork, before timeline 2's first
    commit, and said 'recovery stopped at the target time ..., as asked': the order
    wanted back was missing, and the one taken since gone. The precheck refuses; nothing
    changes."""
    (target,) = _backed_up_then_a_bad_row(cluster, between=f"{NOW_UTC};\n")
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    restored = run_console(config, tmp_path / "restore", "restore")
    assert restored.rolled_back() and ids(cluster) == [1, 2, 3]
    cluster.sql("INSERT INTO orders VALUES (6, 'taken since')")
    cluster.switch_wal_and_wait_archived()

    outcome = run_console(config, tmp_path / "pitr", "pitr", f"recovery_target_time={target}")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert "timeline 2, which recovery follows, began " in summary, summary
    assert "is on the timeline it forked away from" in summary, summary
    # the way to that time named, not only a later time (which loses what is wanted back)
    kept = f"{cluster.pgdata}.replaced-{restored.incident}"
    assert (
        f"to recover to that time, undo that recovery first (incident {restored.incident},"
        f" which kept the data directory from before it at {kept}), then run this again;"
        " or choose a time after it began"
    ) in summary, summary
    assert cluster.running() and ids(cluster) == [1, 2, 3, 6]
    assert kept_aside(cluster, outcome.incident) == []


def test_point_in_time_refuses_a_target_past_a_gap_in_the_archive(host, cluster, tmp_path):
    """Seen on a real fleet: a segment was gone from the WAL archive, still in the running
    cluster's pg_wal (archived already, so the action does not copy it). The precheck read
    that pg_wal and found a commit after the target; recovery, which reads the archive,
    stopped at the gap with FATAL: the server down, its data directory replaced. The
    precheck reads what recovery reads, and refuses naming the missing segment."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("INSERT INTO orders VALUES (4, 'saucer')")
    cluster.switch_wal_and_wait_archived()
    cluster.sql("INSERT INTO orders VALUES (5, 'spoon')")
    lost = cluster.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
    cluster.switch_wal_and_wait_archived()
    target = cluster.sql(NOW_UTC)
    cluster.sql("INSERT INTO orders VALUES (6, 'bad row')")
    cluster.switch_wal_and_wait_archived()
    (cluster.archive / lost).unlink()
    assert (cluster.pgdata / "pg_wal" / lost).exists()
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "pitr", f"recovery_target_time={target}")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert f"it stops where {lost} is missing from the archive" in summary, summary
    assert cluster.running() and ids(cluster) == [1, 2, 3, 4, 5, 6]
    assert kept_aside(cluster, outcome.incident) == []


@pytest.mark.parametrize("to", ["end", "lsn"])
def test_a_replay_past_a_gap_in_the_archive_is_refused(host, cluster, tmp_path, to):
    """Walked on a real cluster (helper-124): a segment gone from the WAL archive, archived
    already (so the action does not copy it). The WAL replay to the end recovered up to it
    and promoted: 'rolled back and verified', 'then WAL to its end', the orders committed
    after the gap lost; to an LSN past it, recovery ends at the gap with FATAL, the server
    stopped, the data directory replaced. The precheck reads what recovery reads, and
    refuses naming the segment (and, for an LSN, where it begins)."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("INSERT INTO orders VALUES (4, 'saucer')")
    lost = cluster.sql("SELECT pg_walfile_name(pg_current_wal_lsn())")
    cluster.switch_wal_and_wait_archived()
    cluster.sql("INSERT INTO orders VALUES (5, 'spoon')")
    lsn = cluster.sql("SELECT pg_current_wal_lsn()")
    (cluster.archive / lost).unlink()
    config = configure(host, cluster, tmp_path)
    target = [f"recovery_target_lsn={lsn}"] if to == "lsn" else []

    outcome = run_console(config, tmp_path / "state", "replay", *target)

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    said = (
        f"recovery_target_lsn {lsn} is past a gap in the WAL since the backup"
        if to == "lsn"
        else f"has a gap: {lost} is missing from the archive"
    )
    assert said in summary and lost in summary, summary
    assert cluster.running() and ids(cluster) == [1, 2, 3, 4, 5]
    assert kept_aside(cluster, outcome.incident) == []


@pytest.mark.parametrize(
    "when", ["2026-02-30T10:00:00Z", "2026-12-03T25:00:00Z", "2026-12-03T10:00:00+25:00", ""]
)
def test_a_target_time_that_is_no_real_time_stops_the_run_before_anything_is_sent(
    host, cluster, tmp_path, when
):
    """Seen on a real fleet: February 30th (or 25:00) had the timestamp's form, so it was
    sent; the host staged the whole backup, then said only 'cannot compare the backup's
    start with the target (GNU date)'. A value of the timestamp type names a real time, or
    the run stops with one line naming the parameter, exit 2, nothing sent. Left empty (as
    the console's form gives a field nobody filled), it said "'' is not a timestamp like
    ...": it is required."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)
    logins = host.server.accepted_connections()

    outcome = run_console(config, tmp_path / "state", "pitr", f"recovery_target_time={when}")

    assert outcome.returncode == 2, outcome.stdout + outcome.stderr
    said = outcome.stderr.strip().splitlines()
    assert len(said) == 1 and said[0].startswith(
        f"error: parameter 'recovery_target_time': '{when}' is no real date and time ("
        if when  # left empty (the console's form gives "" for a field left empty): required
        else "error: parameter 'recovery_target_time' of 'pitr' is required"
    ), said
    # a zone of +25:00 read '... (offset must be a timedelta strictly between
    # -timedelta(hours=24) and timedelta(hours=24), not datetime.timedelta(days=1, ...).)'
    assert "timedelta" not in said[0], said
    assert host.server.accepted_connections() == logins
    assert outcome.events == []


def test_two_recovery_targets_are_refused_before_anything_is_sent(host, cluster, tmp_path):
    """Seen on a real fleet: `--param recovery_target_name=... --param recovery_target_lsn=...`
    opened an incident, took the lock and reached the host, whose precheck said 'give
    recovery_target_name or recovery_target_lsn, not both': a failed incident on record
    for a mistyped command line. It is refused as the parameters are checked: one line,
    exit 2, nothing sent or recorded; and check-config refuses both as defaults."""

    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)
    logins = host.server.accepted_connections()

    outcome = run_console(
        config, tmp_path / "state", "replay", "recovery_target_name=x", "recovery_target_lsn=0/1"
    )

    assert outcome.returncode == 2, outcome.stdout + outcome.stderr
    assert outcome.stderr.strip().splitlines() == [
        "error: parameters recovery_target_name and recovery_target_lsn of 'replay' are both"
        " given: one at most (an empty value clears one)"
    ]
    assert outcome.events == [] and host.server.accepted_connections() == logins

    text = (config / "strategies.toml").read_text()
    both = (
        '  { name = "recovery_target_name", default = "x" },\n'
        '  { name = "recovery_target_lsn", default = "0/1" },\n'
    )
    start = text.index('name = "replay"')
    end = text.index("]", start)
    (config / "strategies.toml").write_text(text[:end] + both + text[end:])
    checked = subprocess.run(
        [sys.executable, "-m", "console", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 2, checked.stdout + checked.stderr
    said = checked.stderr.strip().splitlines()
    assert len(said) == 1 and said[0].endswith(
        "recovery_target_name and recovery_target_lsn both have a default: one at most"
    ), said
