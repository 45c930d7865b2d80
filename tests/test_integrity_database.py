"""The PostgreSQL presets' integrity records name the database the tables were counted in
(real sshd, real PostgreSQL, `rollback-console run`): a `tables` list counted in another
database reads "no such table" wherever it is said, and without the database's name that
read as the tables gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from console.cli import main
from console.journal.export.markdown import render_markdown
from tests import pgrig
from tests import test_presets_postgres as recovery
from tests.pgrig import run_console

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]

host, cluster = pgrig.host, pgrig.cluster  # fixtures


async def test_a_restore_says_which_database_its_counts_are_of(host, cluster, tmp_path):
    cluster.sql("CREATE DATABASE shop")
    cluster.sql("\\c shop\n" + recovery.ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("\\c shop\nDELETE FROM orders WHERE id = 3")
    config = recovery.configure(host, cluster, tmp_path)
    strategies = config / "strategies.toml"
    strategies.write_text(
        strategies.read_text().replace(
            '  { name = "tables", default = "orders,customers" },\n',
            '  { name = "tables", default = "orders,customers" },\n'
            '  { name = "database", default = "shop" },\n',
            1,  # the restore's; the others count in the default database, postgres
        )
    )

    outcome = run_console(config, tmp_path / "state", "restore")

    assert outcome.rolled_back(), outcome.stdout + outcome.stderr
    before, after = outcome.integrity("before"), outcome.integrity("after")
    assert (before["database"], before["rows"]) == ("shop", {"orders": 2, "customers": 2})
    assert (after["database"], after["rows"]) == ("shop", {"orders": 3, "customers": 2})
    assert (
        "integrity after: recorded, not judged: nothing was expected of it (database shop: checksum "
        in outcome.stdout
    )
    section = render_markdown(outcome.events).split("## Data integrity")[1].split("\n## ")[0]
    head, _, row = section.strip().split("\n\n")[0].splitlines()  # the table
    assert head.startswith("| Host | Step | Database | Before |"), section
    assert row.startswith("| db-1 | restore | shop | "), section

    def recorded(screen) -> list[str]:  # each record's Recorded cell, first line
        table = screen.query_one("#integrity")
        return [str(table.get_row_at(i)[4]).splitlines()[0] for i in range(table.row_count)]

    journal = tmp_path / "state" / "incident-restore"
    shown = await recovery._on_integrity_screen(config, journal, tmp_path, recorded)
    assert shown == ["database shop", "database shop"]  # before, after

    # the same tables counted in postgres, where there are none: said with its name
    elsewhere = run_console(config, tmp_path / "again", "replay")
    assert elsewhere.rolled_back(), elsewhere.stdout + elsewhere.stderr
    assert elsewhere.integrity("after")["database"] == "postgres"
    not_judged = "recorded, not judged: nothing was expected of it"
    assert f"integrity after: {not_judged} (database postgres: checksum " in elsewhere.stdout
    assert "no such table: orders, customers)" in elsewhere.stdout


def test_an_ad_hoc_drill_says_its_restore_was_recorded_not_judged(host, cluster, tmp_path):
    """Walked on a real cluster: an ad-hoc drill of a restore with nothing expected of it
    (no `expect`, no `expected-integrity` in the backup) reported "data integrity: 2
    record(s), 0 mismatch(es)", read as checked; its after was only recorded."""
    cluster.sql(recovery.ORDERS)
    cluster.basebackup("nightly")
    config = recovery.configure(host, cluster, tmp_path)
    argv = [
        sys.executable, "-m", "console", "--config", str(config), "drill", "--systems", "db",
        "--strategy", "restore", "--trigger", "stakeholder-decision", "--reason", "monthly",
        "--yes", "--journal", str(tmp_path / "drill"),
    ]  # fmt: skip
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env)

    # failed: this procedure has no stability step, so no recovery time is measured
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "  data integrity: 2 record(s), 0 mismatch(es); db-1 recorded, not judged (nothing"
        " was expected of its data after)\n" in done.stdout
    ), done.stdout
    json_argv = [*argv[:-1], str(tmp_path / "again"), "--json"]
    report = json.loads(
        subprocess.run(json_argv, capture_output=True, text=True, timeout=300, env=env).stdout
    )
    assert report["drill"]["integrity"]["not_judged"] == ["db-1"], report["drill"]


def test_a_scenario_drill_says_its_restore_was_recorded_not_judged(host, cluster, tmp_path):
    """The scenario of docs/drills.md (`after = "strategy"`: the restore's own records
    judge the data) on a real cluster, its backup with no `expected-integrity`: the report
    ended "integrity  4 record(s), 0 mismatch(es) ✔", nothing having been compared. And
    its system has no rto_minutes, nor the scenario: the drill stopped on an internal error
    as it opened (drill.started refused a target of None), its incident left behind."""
    done = drill_restore(host, cluster, tmp_path, own_check(cluster))

    assert "  integrity  db-1: recorded: after checksum " in done.stdout, done.stdout
    # the drill's own check, measured as its baseline was: the orders are back
    assert ", nothing expected of it (the drill's own check: unchanged, orders=3)\n" in done.stdout
    assert (
        "  integrity  4 record(s), 0 mismatch(es); db-1 recorded, not judged (nothing was"
        " expected of its data after) ✔\n" in done.stdout
    ), done.stdout


def test_a_scenario_drill_whose_restore_matched_says_nothing_unjudged(host, cluster, tmp_path):
    """Walked on a real cluster (helper-171), docs/drills.md's scenario with the backup's
    `expected-integrity` written as the docs say: the report read 'integrity  db-1: match:
    after ..., the strategy expected orders=3' and, the line below, '4 record(s), 0
    mismatch(es); db-1 recorded, not judged (nothing was expected of its data after)', of
    the drill's own check, which the line above sets beside its baseline; its live line
    read 'integrity after: recorded, not judged: nothing was expected of it'."""
    done = drill_restore(host, cluster, tmp_path, own_check(cluster), expected="rows.orders=3")

    # (it fails on its recovery, untimed: this procedure has no stability check)
    assert "  integrity  db-1: match: after checksum " in done.stdout, done.stdout
    assert "  integrity  4 record(s), 0 mismatch(es) ✔\n" in done.stdout, done.stdout
    assert "not judged" not in done.stdout, done.stdout
    own = "integrity after: recorded beside the strategy's own check (after = strategy) (orders=3)"
    assert own in done.stdout, done.stdout


def test_a_mismatch_says_what_differs_as_it_is_recorded(host, cluster, tmp_path):
    """Walked on a real cluster: a restore whose data is not what `expect` says printed
    'verify succeeded' then 'integrity after: mismatch (database postgres: checksum …,
    customers=2, orders=3)', naming no difference; what differed came only in the last
    lines, after the rest of the procedure."""
    cluster.sql(recovery.ORDERS)
    cluster.basebackup("nightly")
    config = recovery.configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "restore", "expect=rows.orders=999")

    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    assert outcome.integrity("after")["verdict"] == "mismatch"
    [line] = [x for x in outcome.stdout.splitlines() if "integrity after: " in x]
    assert line.endswith(
        "integrity after: mismatch (database postgres: checksum "
        f"{outcome.integrity('after')['checksum'][:16]}…, customers=2, orders=3):"
        " rows.orders 3 != expected 999"
    ), line


def test_a_drill_with_no_integrity_command_says_the_restore_was_not_judged(host, cluster, tmp_path):
    """Walked by helper-135 on a real cluster: a scenario with no integrity command of its
    own, its restore's backup with no `expected-integrity`: the report said 'integrity  2
    record(s), 0 mismatch(es) ✔', nothing having been compared (the note 'recorded, not
    judged' was said only of the scenario's own check). The restore's records say it too."""
    done = drill_restore(host, cluster, tmp_path, "")
    assert (
        "  integrity  2 record(s), 0 mismatch(es); db-1 recorded, not judged (nothing was"
        " expected of its data after) ✔\n" in done.stdout
    ), done.stdout


def own_check(cluster) -> str:
    """The scenario's own integrity check of docs/drills.md, `after = "strategy"`, as TOML."""
    psql = f"PGHOST=127.0.0.1 PGPORT={cluster.port} {cluster.bindir}/psql -XAt -d postgres"
    return (
        "\n[scenarios.integrity]\n"
        f"command = \"echo integrity rows.orders=$({psql} -c 'SELECT count(*) FROM orders')\"\n"
        'after = "strategy"\n'
    )


def drill_restore(
    host, cluster, tmp_path, integrity: str, expected: str = ""
) -> subprocess.CompletedProcess:
    """docs/drills.md's restore scenario on a real cluster, a fault deleting the orders
    (with `integrity`, the scenario's check, as TOML; `expected`, the backup's
    expected-integrity), run with `drill --scenario`."""
    cluster.sql(recovery.ORDERS)
    backup = cluster.basebackup("nightly")
    if expected:
        (backup / "expected-integrity").write_text(expected + "\n")
    config = recovery.configure(host, cluster, tmp_path)
    psql = f"PGHOST=127.0.0.1 PGPORT={cluster.port} {cluster.bindir}/psql -XAt -d postgres"
    (config / "drills.toml").write_text(
        '[[scenarios]]\nname = "db-restore"\nsystems = ["db"]\nstrategy = "restore"\n'
        'trigger = "stakeholder-decision"\nreason = "monthly"\nexpect = "verified"\n\n'
        f'[[scenarios.faults]]\nname = "damage"\ncommand = "{psql} -c \'DELETE FROM orders\'"\n'
        'undo = "true"\nsystems = ["db"]\n' + integrity
    )
    argv = [sys.executable, "-m", "console", "--config", str(config), "drill", "--scenario"]
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    return subprocess.run(
        [*argv, "db-restore"], capture_output=True, text=True, timeout=300, env=env
    )


def test_a_drill_whose_procedure_has_no_stability_check_says_so(host, cluster, tmp_path, capsys):
    """Walked on a real cluster (the procedure: bridge, restore, document): the report read
    'outcome ... actual rolled back and verified ✔' beside 'recovery db: ... not measured:
    stability was never verified ✘'. The strategy's verify verified the rollback; nothing
    timed it: the report says that, and check-config warns of it before the drill. (The
    backup says what it holds: the data after is judged, the rollback verified.)"""
    done = drill_restore(host, cluster, tmp_path, "", "rows.orders=3 rows.customers=2")

    lines = done.stdout.splitlines()
    assert (
        "  outcome    expected rolled back and verified · actual rolled back and verified ✔"
        in lines
    ), done.stdout
    [recovery] = [ln for ln in lines if ln.startswith("  recovery   db: ")]
    assert recovery.endswith(
        ": not measured: the procedure has no stability check (a probe step) to time it ✘"
    ), recovery
    assert "stability was never verified" not in done.stdout
    # the timeline's line says the verdict first: at 80 columns it was cut before it
    judged = [ln for ln in lines if "drill db-restore " in ln and "(expected verified)" in ln]
    assert judged and judged[0].split("drill db-restore ", 1)[1].startswith(
        "FAILED: recovery of db: not measured: the procedure has no stability check"
    ), judged
    # the point the data went back to, in the report: it said only 'recorded, not judged'
    backup = cluster.backups / "nightly"
    assert f"  restored   db-1: backup {backup} (started 20" in lines[lines.index(recovery) + 1]
    config = tmp_path / "config"
    assert main(["check-config", str(config)]) == 0
    warned = capsys.readouterr().err
    assert (
        f"warning: {config}/drills.toml:7: scenarios[0].expect: scenario 'db-restore' expects"
        " verified, but the procedure has no stability check"
    ) in warned, warned


def test_an_ad_hoc_restore_drill_says_where_the_data_went_back_to(host, cluster, tmp_path):
    """docs/drills.md's ad-hoc drill on a real cluster, a procedure without a stability
    check: the report read 'db: recovery time not measured (stability never verified)'
    beside 'rolled back and verified', and nothing of what the data was restored to."""
    cluster.sql(recovery.ORDERS)
    cluster.basebackup("nightly")
    config = recovery.configure(host, cluster, tmp_path)
    argv = [sys.executable, "-m", "console", "--config", str(config), "drill", "--systems", "db"]
    argv += ["--strategy", "restore", "--trigger", "data-corruption", "--reason", "monthly"]
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    done = subprocess.run([*argv, "--yes"], capture_output=True, text=True, timeout=300, env=env)

    lines = done.stdout.splitlines()
    report = lines[lines.index("drill report:") :]
    assert report[1] == (
        "  db: recovery time not measured: the procedure has no stability check (a probe step)"
        " to time it ✘"
    ), report
    assert report[2].startswith(
        f"  db-1: restored to backup {cluster.backups / 'nightly'} (started 20"
    ), report


async def test_the_drill_report_keeps_its_keys_in_view_at_80x24(host, cluster, tmp_path):
    """Walked at 80x24 on a real cluster: the report's lines (a restore's, with its paths)
    ran past the dialog's foot, its keys cut off ('esc: stay on the closed drill (F4 its');
    the lines scroll, the keys stay in view under them."""
    from console.engine.session import Engine
    from console.journal.store import read_journal
    from console.model.events import Kind
    from console.model.loading import load_settings
    from console.ui.app import make_app
    from console.ui.screens.drills import DrillReport

    done = drill_restore(host, cluster, tmp_path, "")
    assert "  restored   db-1: " in done.stdout, done.stdout
    [journal] = (tmp_path / "state" / "incidents").glob("*/journal.jsonl")
    [judged] = [e for e in read_journal(journal).events if e.kind == Kind.DRILL_JUDGED]
    settings = load_settings(tmp_path / "config")
    engine = Engine(settings, tmp_path / "incidents", threaded_io=True)
    app = make_app(settings, engine, sample_probes=False, check_reach=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await app.push_screen(DrillReport(judged.data.dump()))
            await pilot.pause()
            hint = app.screen.query_one("#drill-report .dialog-hint")
            lines = app.screen.query_one("#drill-report-lines")
            assert app.screen.region.contains_region(hint.region), hint.region
            assert str(hint.render()).endswith("its export)")
            assert lines.max_scroll_y > 0  # the rest is a scroll away
    finally:
        await engine.close()
