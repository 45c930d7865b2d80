"""A data restore on a real PostgreSQL over real sshd, as the commander and the record see
it. Walked at 80x24 and headless:
- the recovery point the commander chose (a time, a restore point, an LSN) was named on
  none of the step's status lines, before it ran or after: 'started step “Restore the
  data”', 'done (1 succeeded)', '☑ done' over '1 of 1 hosts finished'; only among its
  fourteen parameters;
- the document's Data integrity row read just 'recorded' after a point-in-time recovery,
  what its verify checked on the database (the target reached, the replay position, the
  server's state) and found in its raw output only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from tests import pgrig
from tests.test_presets_postgres import (
    NOW_UTC,
    _backed_up_then_a_bad_row,
    configure,
    export,
    in_console,
    recovered_to_a_time,
    run_console,
)
from tests.test_ui_support import step_detail_shown, until

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


def test_a_backup_restore_says_it_matched_what_was_expected(host, cluster, tmp_path):
    """expected-integrity written as docs/strategies.md writes it, the orders counted
    alone: the document said 'row counts customers 2, orders 3 and checksum ...: match, as
    expected', and the run's line 'integrity after: match (... customers=2, orders=3)', as
    if the customers and the checksum had been judged too. Nothing was expected of them:
    said so, on the run's line and in the document; the counts said are psql's."""
    _backed_up_then_a_bad_row(cluster, between="")
    (cluster.backups / "nightly" / "expected-integrity").write_text("rows.orders=3\n")
    config = configure(host, cluster, tmp_path)
    outcome = run_console(config, tmp_path / "state", "restore")
    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    after = outcome.integrity("after")
    assert after["checks"][:2] == [
        "the cluster is out of recovery, promoted to timeline 2",
        "recovery stopped at the backup's consistent point, as asked (timeline 2's history file)",
    ], after
    counts = [cluster.sql(f"SELECT count(*) FROM {t}") for t in ("customers", "orders")]
    assert counts == ["2", "3"] and after["rows"] == {"customers": 2, "orders": 3}, after
    unexpected = "; customers, the checksum: recorded, nothing was expected of them"
    assert (
        f"integrity after: match (database postgres: checksum {after['checksum'][:16]}…,"
        f" customers=2, orders=3){unexpected}"
    ) in outcome.stdout, outcome.stdout
    verdict, said = _said(export(tmp_path / "state" / "incident-restore", "markdown"))
    assert verdict == "match"
    assert said[0].endswith(
        f"row counts customers 2, orders 3 and checksum {after['checksum'][:16]}"
        f" in database postgres: match, as expected{unexpected}"
    ), said


STEP = "“Restore the data”"


async def _console_says(config: Path, journal: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """The console resumed on `journal` at 80x24: the execution screen's line under the
    step's title (F3), and the checklist's detail of the step (F2)."""

    async def drive(pilot: Pilot) -> tuple[str, list[str]]:
        await pilot.press("f3")
        await until(pilot, lambda: bool(pilot.app.screen.query("#exec-counts")))
        counts = pilot.app.screen.query_one("#exec-counts", Static)
        await until(pilot, lambda: "hosts finished" in str(counts.render()))
        said = " ".join(str(counts.render()).split())
        await pilot.press("f2")
        return said, await step_detail_shown(pilot, "restore")

    return await in_console(config, journal, tmp_path, drive)


async def test_a_point_in_time_recovery_names_its_time_before_and_after(host, cluster, tmp_path):
    target, outcome, config = recovered_to_a_time(host, cluster, tmp_path)
    to = f"the time {target}"
    assert f"started step {STEP}: recovering to {to}\n" in outcome.stdout, outcome.stdout
    assert f"finished step {STEP}: done (1 succeeded); recovered to {to}\n" in outcome.stdout

    journal = tmp_path / "state" / "incident-pitr"
    counts, detail = await _console_says(config, journal / "journal.jsonl", tmp_path)
    assert counts.startswith(f"Recovered to {to} · 1 of 1 hosts finished"), counts
    assert f"Recovered to {to}" in detail, detail  # on screen, with the step's result
    # and the document's resolution steps (they read 'done: 1 succeeded')
    markdown = export(journal, "markdown")
    said = "done: 1 succeeded; confirmed by --yes (headless)"  # who said yes, since a259f6a3
    assert f"**Restore the data** — {said}; recovered to {to}\n" in markdown
    steps = json.loads(export(journal, "json"))["document"]["steps"]
    assert [s["to"] for s in steps if s["id"] == "restore"] == [to]


@pytest.mark.parametrize("to", ["restore point", "lsn", "end"])
def test_a_wal_replay_names_where_it_replays_to_and_what_its_verify_found(
    host, cluster, tmp_path, to
):
    lsn = _backed_up_then_a_bad_row(
        cluster,
        between="SELECT pg_create_restore_point('before-deploy-42');\n"
        "SELECT pg_current_wal_insert_lsn();\n",
    )[-1]
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    param, point, reached = {
        "restore point": (
            ["recovery_target_name=before-deploy-42"],
            "the restore point before-deploy-42",
            "recovery stopped at the restore point before-deploy-42, as asked",
        ),
        "lsn": ([f"recovery_target_lsn={lsn}"], f"LSN {lsn}", "recovery stopped after LSN "),
        "end": (
            [],
            "the end of the archived WAL",
            "recovery replayed the WAL to its end, as asked",
        ),
    }[to]
    outcome = run_console(config, tmp_path / "state", "replay", *param)
    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert f"started step {STEP}: recovering to {point}\n" in outcome.stdout, outcome.stdout
    assert f"finished step {STEP}: done (1 succeeded); recovered to {point}\n" in outcome.stdout

    checks = outcome.integrity("after")["checks"]
    assert checks[0] == "the cluster is out of recovery, promoted to timeline 2", checks
    assert checks[1].startswith(reached), checks
    assert checks[1].endswith(
        f", at or past LSN {lsn} as asked (timeline 2's history file)"
        if to == "lsn"
        else " (timeline 2's history file)"
    ), checks
    assert checks[2].startswith("the last transaction replayed committed at 20"), checks
    _, said = _said(export(tmp_path / "state" / "incident-replay", "markdown"))
    assert said[0].startswith(f"- **db-1** (restore, replay): {'; '.join(checks)}; "), said


def test_the_status_update_names_the_time_recovered_to(host, cluster, tmp_path):
    """The bridge's status update after a point-in-time recovery read 'db by pitr: 1 host
    succeeded': to when, nobody reading the channel could tell."""
    told = tmp_path / "status.log"
    tell = f"""
[[phases.steps]]
id = "tell"
title = "Communicate status"
kind = "notify"
message = "{{{{summary}}}}"
command = "echo {{{{message}}}} >> {told}"
"""
    (target,) = _backed_up_then_a_bad_row(cluster, between=f"{NOW_UTC};\n")
    cluster.switch_wal_and_wait_archived()
    config = configure(host, cluster, tmp_path)
    procedure = config / "procedure.toml"
    text = procedure.read_text()
    at = text.index('[[phases]]\nphase = "post"')
    procedure.write_text(text[:at] + tell.lstrip() + "\n" + text[at:])
    outcome = run_console(config, tmp_path / "state", "pitr", f"recovery_target_time={target}")
    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    assert f"; db by pitr to the time {target}: 1 host succeeded" in told.read_text()
