"""The headless contract: run, export and the exit statuses."""

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.cli.console_app import ran_on_demo
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import fold
from console.model.status import StepStatus
from console.paths import demo_config
from tests.console_process import EXAMPLE_HOOK

RUN = ["run", "--demo", "--systems", "web", "--strategy", "version-rollback"]


def cli(*args, state_dir, timeout=90, **env_vars):
    env = {**os.environ, **EXAMPLE_HOOK, "ROLLBACK_CONSOLE_STATE": str(state_dir), **env_vars}
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _python(code: str, state: Path) -> subprocess.CompletedProcess[str]:
    """`code` run by a Python of its own, its state dir `state`."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
    )


def test_headless_rollback_then_export(tmp_path):
    journal = tmp_path / "incident"
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes",
        "--journal", str(journal), state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "rolled back and verified" in result.stdout
    events = read_journal(journal / "journal.jsonl").events
    lines = [ln for e in events if e.kind == Kind.COMMAND_OUTPUT for ln in e.data.lines]
    for host in ("web-1", "web-2", "web-3"):
        assert any(e.where.host == host and e.kind == Kind.COMMAND_RESULT for e in events)
    assert lines.count("rolled back: 2.4.1 -> 2.4.0") == 3
    assert lines.count("healthy on 2.4.0") == 3
    [closed] = [e for e in events if e.kind == Kind.INCIDENT_CLOSED]
    assert closed.data.outcome == "rolled-back"
    # then the close's update, on the status update's command (the demo's echo)
    assert events[-1].kind == Kind.NOTIFICATION_RESULT and events[-1].data.repeat == 1

    doc = tmp_path / "doc.md"
    exported = cli(
        "export",
        str(journal / "journal.jsonl"),
        "--format",
        "markdown",
        "-o",
        str(doc),
        state_dir=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    text = doc.read_text()
    for section in (
        "## Trigger event details",
        "## Timeline",
        "## Systems affected",
        "## Resolution steps",
        "## Lessons learned",
    ):
        assert section in text
    assert "checkout 500s" in text and "| web-2 | ✔ succeeded |" in text


def test_an_automatic_kind_named_by_hand_is_recorded_as_a_persons_declaration(tmp_path):
    """Named with --trigger and a reason, not fired from a probe: the record and the
    document say a person declared it, not that a probe did."""
    journal = tmp_path / "j"
    result = cli(
        *RUN, "--trigger", "data-corruption", "--reason", "orders double-charged", "--yes",
        "--quiet", "--journal", str(journal), state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = read_journal(journal / "journal.jsonl").events
    declared = next(e.data for e in events if e.kind == Kind.TRIGGER_DECLARED)
    assert (declared.kind, declared.automatic, declared.evidence) == ("data-corruption", False, [])
    exported = cli("export", str(journal / "journal.jsonl"), state_dir=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "(`data-corruption`, declared by hand)" in exported.stdout
    assert "**Reason:** orders double-charged" in exported.stdout


def test_a_failing_host_makes_the_run_exit_1(tmp_path):
    result = cli(
        *RUN, "--trigger", "stakeholder-decision", "--reason", "drill", "--yes",
        "--inject", "fail:web-2", "--journal", str(tmp_path / "j"), state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "FAILED" in result.stdout
    state_events = read_journal(tmp_path / "j" / "journal.jsonl").events
    failures = [e for e in state_events if e.kind == Kind.COMMAND_RESULT and e.data.failure]
    assert {e.where.host for e in failures} == {"web-2"}
    assert failures[0].data.failure == "non-zero exit"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trigger", "user-impact", "--yes"], "--reason is required"),
        (
            ["--trigger", "data-corruption", "--yes"],
            "--reason is required for Data corruption identified (declared by hand, without a"
            " probe's evidence); --trigger auto takes the one firing now",
        ),
        (["--trigger", "user-impact", "--reason", "x"], "pass --yes"),
        (["--trigger", "oops", "--reason", "x", "--yes"], "invalid choice: 'oops'"),
        (
            ["--trigger", "user-impact", "--reason", "x", "--yes", "--inject", "melt:web-1"],
            "unknown kind 'melt'",
        ),
        (
            ["--trigger", "user-impact", "--reason", "x", "--yes", "--param", "target=1; rm -rf /"],
            "is not a version: letters, digits",
        ),
        # a host of another system, as exec refuses it (it ran there, on the api system)
        (
            ["--hosts", "api-1", "--trigger", "user-impact", "--reason", "x", "--yes"],
            "error: --hosts: api-1 not in systems web",
        ),
        (
            ["--hosts", "web-1,api-1", "--trigger", "user-impact", "--reason", "x", "--dry-run"],
            "error: --hosts: api-1 not in systems web",
        ),
        (  # the last one ran, the first one said nowhere
            [
                *("--trigger", "user-impact", "--reason", "x", "--yes"),
                "--param",
                "target=2.4.0",
                "--param",
                "target=2.3.0",
            ],
            "error: --param target is given twice, with two values: give it once",
        ),
        (
            ["--systems", "", "--trigger", "user-impact", "--reason", "x", "--yes"],
            "error: --systems: no system named (known: web, api, db)",
        ),
    ],
)
def test_bad_usage_exits_2_without_a_journal(tmp_path, args, message):
    result = cli(*RUN, *args, "--journal", str(tmp_path / "j"), state_dir=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "j").exists()


@pytest.mark.parametrize("dry_run", [(), ("--dry-run",)])
def test_an_empty_systems_is_refused_by_exec_and_its_dry_run_alike(tmp_path, dry_run):
    # `--systems "$SYSTEMS"` with the variable unset: the dry run printed no host, exit 0
    result = cli("exec", "--demo", "--systems", "", *dry_run, "true", state_dir=tmp_path)
    assert result.returncode == 2, result.stdout
    assert result.stderr == "error: --systems: no system named (known: web, api, db)\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (
            ["--accept-host-key", "api-1=SHA256:abc"],
            "error: --accept-host-key: api-1 is not in web",
        ),
        (
            ["--accept-host-key", "web-1=abc"],
            "error: --accept-host-key web-1=abc: expected the whole",
        ),
        (["--accept-host-key", "web-1"], "error: --accept-host-key 'web-1': expected HOST=SHA256:"),
        (
            ["--journal", "20990101-000000-abcd"],
            "error: 20990101-000000-abcd: no incident of that id",
        ),
    ],
)
def test_exec_s_dry_run_refuses_what_exec_refuses(tmp_path, option, said):
    # the dry run printed the commands, exit 0, for options exec refuses
    for dry_run in ((), ("--dry-run",)):
        result = cli(
            "exec", "--demo", "--systems", "web", *option, *dry_run, "true", state_dir=tmp_path
        )
        assert result.returncode == 2, (dry_run, result.stdout)
        assert result.stderr.startswith(said) and result.stderr.count("\n") == 1, result.stderr
        assert result.stdout == ""


def test_a_system_named_twice_runs_each_host_once(tmp_path):
    # `--systems web,web` sent the command twice to each host on one channel id: both
    # read 'UNKNOWN (connection lost mid-command)' and the close kept web's lock
    result = cli("exec", "--demo", "--systems", "web,web", "echo once", state_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.splitlines()) == [f"web-{n}: once" for n in (1, 2, 3)]


def test_unknown_system_exits_2(tmp_path):
    result = cli(
        "run", "--demo", "--systems", "cache", "--strategy", "version-rollback",
        "--trigger", "user-impact", "--reason", "x", "--yes", state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert "unknown system 'cache'" in result.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_may_come_before_or_after_the_command(tmp_path, where):
    config = ["--config", str(demo_config())]
    args = [*config, "check-config"] if where == "before" else ["check-config", *config]
    result = cli(*args, state_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok: 3 systems, 7 hosts" in result.stdout


def test_version():
    result = cli("--version", state_dir="/nonexistent")
    assert result.returncode == 0 and result.stdout.startswith("rollback-console ")


def test_dry_run_prints_every_command_per_host_and_connects_to_nothing(tmp_path):
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "x", "--yes", "--dry-run",
        "--param", "target=2.3.0", state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# dry run: nothing is sent")
    for stage in ("precheck", "action", "verify"):  # alike on every host: shown once
        assert f"\n### web-1, web-2, web-3 {stage}\n" in out
    assert "target=2.3.0\n" in out  # in the hosts' action, shell-quoted
    assert not (tmp_path / "demo-incidents").exists()


def test_a_drill_is_labelled_and_judged_on_recovery_time(tmp_path):
    result = cli(
        "drill", "--demo", "--systems", "web", "--strategy", "version-rollback",
        "--trigger", "stakeholder-decision", "--reason", "monthly drill", "--yes",
        "--journal", str(tmp_path / "j"), state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "drill report:" in result.stdout and "web: recovered in" in result.stdout
    events = read_journal(tmp_path / "j").events
    assert events[0].data.drill is True
    assert any(e.kind == Kind.RECOVERY_MEASURED for e in events)


def test_a_failed_quiet_run_still_says_which_hosts_are_left_and_why(tmp_path):
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes", "--quiet",
        "--inject", "fail:web-2", state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "hosts whose last step did not succeed:"
    assert lines[1] == (
        "  web-2: failed at capture-evidence · run: non-zero exit: exit status 1"
        " — web-2: injected failure"
    )
    assert lines[2].startswith("nothing was rolled back: “Restore previous version” was not")
    assert ": FAILED: “Capture the failing release" in lines[3] and len(lines) == 4
    assert "; journal " in lines[3]


def test_hosts_that_failed_alike_are_said_once_each_one_s_output_under(tmp_path):
    """Two hosts stopped by the same failure: one line for both (at 200 hosts it was 200
    lines of the same reason), what each printed last under it, as it differs."""
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes", "--quiet",
        "--inject", "fail:web-2", "--inject", "fail:web-3", state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "hosts whose last step did not succeed:",
        "  web-2, web-3: failed at capture-evidence · run: non-zero exit: exit status 1",
        "    web-2 — web-2: injected failure",
        "    web-3 — web-3: injected failure",
    ], result.stdout


def test_a_demo_journal_is_resumed_on_the_demo_fleet_without_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path))
    assert ran_on_demo(tmp_path / "demo-incidents" / "20261128-1" / "journal.jsonl")
    assert not ran_on_demo(tmp_path / "incidents" / "20261128-1" / "journal.jsonl")


def test_yes_confirmations_say_they_came_from_yes_headless(tmp_path):
    journal = tmp_path / "j"
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes", "--quiet",
        "--journal", str(journal), state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    events = read_journal(journal / "journal.jsonl").events
    confirmed = [e for e in events if e.kind == Kind.STEP_CONFIRMED]
    assert confirmed and {e.data.by for e in confirmed} == {"--yes (headless)"}
    state = fold(events)
    assert state.step("open-bridge").summary == "confirmed by --yes (headless)"
    restore = next(e for e in events if e.kind == Kind.STEP_STARTED and e.where.step == "restore")
    assert restore.data.confirmed == "--yes (headless)"
    capture = next(
        e for e in events if e.kind == Kind.STEP_STARTED and e.where.step == "capture-evidence"
    )
    assert capture.data.confirmed is None  # confirm = false: a read-only step


def test_the_post_rollback_fields_and_the_outcome_come_from_the_command_line(tmp_path):
    journal = tmp_path / "j"
    form = tmp_path / "form.toml"
    form.write_text(
        'root_cause = "a renamed config key"\nretry_schedule = "2026-12-02"\n'
        "action_items = [\n"
        "  {action = 'a config schema check', type = 'prevent', owner = 'bob'},\n"
        "  'alert on the key | detect | carol | P2 | 2026-12-10 | OPS-7',\n"
        "]\n",
        encoding="utf-8",
    )
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes", "--quiet",
        "--form-file", str(form), "--form", "remediation=rename it back",
        "--form", "root_cause=a renamed config key in checkout.toml",
        "--form", "severity=SEV2", "--form", "impact_start=2026-12-01T09:30Z",
        "--outcome", "handed-over:alice (day shift)", "--journal", str(journal),
        state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    state = fold(read_journal(journal / "journal.jsonl").events)
    assert state.fields["root_cause"] == "a renamed config key in checkout.toml"  # --form wins
    assert state.fields["remediation"] == "rename it back"
    assert state.fields["retry_schedule"] == "2026-12-02"
    assert state.fields["reason"] == "checkout 500s"
    assert state.fields["severity"] == "SEV2" and state.fields["impact_start"] == "2026-12-01 09:30"
    assert [row["owner"] for row in state.action_items] == ["bob", "carol"]
    for step in ("document-reason", "root-cause", "remediation"):
        assert state.step(step).status.finished, step
    # Its retry owner not given: the retry is not scheduled yet (done once both are filled).
    assert state.step("schedule-retry").status is StepStatus.PENDING
    assert state.outcome == "handed-over"
    assert state.outcome_label == "handed over to alice (day shift)"
    assert "handed over to alice (day shift); journal " in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--form", "root-cause=x"],
            "--form: unknown field 'root-cause' (did you mean 'root_cause'?)",
        ),
        (["--form", "retry_schedule=next week"], "--form: retry_schedule: “next week” is not a"),
        (["--form", "action_items=fix it | someday"], "--form: action_items: "),
        (["--form", "reason"], "expected FIELD=VALUE"),
        (["--outcome", "rolled-back-ish"], "--outcome 'rolled-back-ish': expected one of"),
        (["--outcome", "not-needed"], "--outcome not-needed needs a reason"),
    ],
)
def test_bad_form_and_outcome_options_are_one_line_and_exit_2(tmp_path, args, message):
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "r", "--yes", *args, state_dir=tmp_path
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_form_file_names_the_file_and_the_line(tmp_path):
    form = tmp_path / "form.toml"
    form.write_text('reason = "x"\nlessons_learnt = "y"\n', encoding="utf-8")
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "r", "--yes", "--form-file", str(form),
        state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    assert f"{form}:2: unknown field 'lessons_learnt'" in result.stderr


def test_a_dry_run_needs_no_yes(tmp_path):
    result = cli(*RUN, "--trigger", "user-impact", "--reason", "r", "--dry-run", state_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "## Rollback execution: Restore previous version" in result.stdout


def test_an_outcome_the_record_does_not_show_is_refused_and_said(tmp_path):
    journal = tmp_path / "j"
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "r", "--yes",
        "--inject", "fail:web-2", "--outcome", "rolled-back", "--journal", str(journal),
        state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    events = read_journal(journal / "journal.jsonl").events
    notes = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]
    assert any(
        n.startswith("--outcome rolled-back refused: the record does not show") for n in notes
    )
    assert fold(events).outcome == "failed"


def test_headless_start_up_parks_its_objects_and_leaves_the_collector_on(tmp_path):
    """exec (run, probe) start with the garbage collector off; what start-up made is parked
    and collection is on again when the work starts, its young generation collected every
    RUN_GEN0 allocations, and after a usage error too."""
    code = (
        "import gc\n"
        "from console.cli import main\n"
        "from console.cli.runs import RUN_GEN0\n"
        "print(main(['exec', '--demo', '--dry-run', '--systems', 'db', 'true']),"
        " gc.isenabled(), gc.get_freeze_count() > 10000, gc.get_threshold()[0] == RUN_GEN0)\n"
        "print(main(['exec', '--demo', '--systems', 'db', ' ']), gc.isenabled())\n"
    )
    done = _python(code, tmp_path)
    assert done.stdout.splitlines()[-2:] == ["0 True True True", "2 True"], (
        done.stdout + done.stderr
    )


def test_a_headless_run_parks_what_is_left_for_the_exit_only_as_the_process_command(tmp_path):
    """The process's own command line (main() without argv, as `rollback-console` calls
    it): what a headless run left when it ended is parked, so the interpreter's collection
    at exit scans none of it. Called with argv (in-process, as tests do), nothing is
    parked after the run. (The run here is a stand-in leaving 5,000 lists.)"""
    code = (
        "import gc, sys\n"
        "import console.cli.runs\n"
        "from console.cli import main\n"
        "left = []\n"
        "console.cli.runs.exec_ = lambda args: left.extend([] for _ in range(5000)) or 0\n"
        "argv = ['exec', '--systems', 'db', 'true']\n"
        "print('argv', main(argv), len(gc.get_objects()) > 5000)\n"
        "left.clear()\n"
        "sys.argv = ['rollback-console', *argv]\n"
        "print('own', main(), len(gc.get_objects()) > 5000, gc.isenabled())\n"
    )
    done = _python(code, tmp_path)
    assert done.stdout.splitlines() == ["argv 0 True", "own 0 False True"], (
        done.stdout + done.stderr
    )


def test_a_journal_is_named_by_its_incident_id_wherever_incidents_live(tmp_path):
    """`export ID` (and resume, undo, follow, serve) find the incident by its id alone:
    in console.toml's journal_dir first, then the state directory, then the demo's."""
    state = tmp_path / "state"
    ran = cli(*RUN, "--trigger", "user-impact", "--reason", "500s", "--yes", state_dir=state)
    assert ran.returncode == 0, ran.stderr
    (journal,) = (state / "demo-incidents").glob("*/journal.jsonl")
    demo_id = journal.parent.name
    exported = cli("export", demo_id, state_dir=state)
    assert exported.returncode == 0, exported.stderr
    assert "| web-2 | ✔ succeeded |" in exported.stdout

    config, kept = tmp_path / "config", tmp_path / "kept"
    assert cli("init", str(config), state_dir=state).returncode == 0
    toml = config / "console.toml"
    toml.write_text(f'journal_dir = "{kept}"\n' + toml.read_text())
    shutil.copytree(journal.parent, kept / "20261130-101500-ab12")  # its output beside it
    found = cli("--config", str(config), "export", "20261130-101500-ab12", state_dir=state)
    assert found.returncode == 0, found.stderr
    assert found.stdout == exported.stdout

    missing = cli("--config", str(config), "export", "20261130-101500-ffff", state_dir=state)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "error: 20261130-101500-ffff: no incident of that id (looked in "
        f"{kept}, {state / 'incidents'}, {state / 'demo-incidents'})"
        " (did you mean '20261130-101500-ab12'?)"
    ]
    # its time typed short, or its last four, names the one incident they match
    short = cli("--config", str(config), "export", "ab12", state_dir=state)
    assert (short.returncode, short.stderr) == (
        2,
        "error: ab12: no journal there (expected a journal.jsonl or its directory)"
        " (did you mean '20261130-101500-ab12'?)\n",
    )


@pytest.mark.parametrize("command", [["demo"], ["probe", "--demo"]])
def test_config_given_to_the_demo_is_refused_not_ignored(tmp_path, command):
    """The demo fleet runs on its embedded configuration: a --config given with it was
    silently ignored (a commander editing a copy of the demo's configuration saw none of
    their edits). One line says so, exit 2."""
    config = tmp_path / "mine"
    assert cli("init", str(config), state_dir=tmp_path).returncode == 0
    result = cli("--config", str(config), *command, state_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: --config {config}: the demo fleet runs on its own")


def test_a_journal_that_holds_an_incident_is_refused_for_a_new_one(tmp_path):
    """A second `run` (or drill) given the --journal of one that closed appended a second
    incident to its record (opened after it closed: a negative duration in its document)
    and then failed: the incident is closed. It is refused before anything is written."""
    journal = tmp_path / "incident"
    reason = ["--trigger", "user-impact", "--reason", "checkout 500s", "--yes"]
    first = cli(*RUN, *reason, "--journal", str(journal), state_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    before = (journal / "journal.jsonl").read_bytes()
    for again in (
        [*RUN, *reason, "--journal", str(journal)],
        ["drill", "--demo", "--scenario", "web-slow", "--journal", str(journal / "journal.jsonl")],
    ):
        refused = cli(*again, state_dir=tmp_path)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stderr.startswith(f"error: --journal {again[-1]}: holds an incident already")
        assert "Traceback" not in refused.stderr
    assert (journal / "journal.jsonl").read_bytes() == before


def test_exec_ends_with_a_line_naming_the_hosts_that_did_not_succeed(tmp_path):
    """Seen at 1,000 real sshd hosts: the 16 'FAILED' lines came among ~1,000 lines of
    output, as they happened, and nothing after them said which hosts failed."""
    done = cli("exec", "--demo", "--systems", "db", "false", state_dir=tmp_path, timeout=180)
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    # in the inventory's order, not as they happened to finish
    assert last == "exec: 2 of 2 host(s) did not succeed: 2 FAILED (db-1, db-2)", done.stderr
    ok = cli("exec", "--demo", "--systems", "db", "true", state_dir=tmp_path, timeout=180)
    assert ok.returncode == 0 and "did not succeed" not in ok.stderr, ok.stderr


def test_an_id_not_found_without_a_configuration_says_where_journal_dir_is_read(tmp_path):
    """A configuration made with `init ~/rollback` (the quickstart), its journal_dir set, and
    `export ID` run without --config: the id is looked for in the state directories only.
    The refusal named them and nothing else, so the journal_dir the user set seemed ignored:
    it says that no configuration was found, and how to name one."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ROLLBACK_CONSOLE_CONFIG"}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    env["ROLLBACK_CONSOLE_STATE"] = str(tmp_path / "state")
    missing = subprocess.run(
        [sys.executable, "-m", "console", "export", "20261130-101500-ffff"],
        capture_output=True, text=True, timeout=90, env=env, cwd=home,
    )  # fmt: skip
    assert missing.returncode == 2
    [line] = missing.stderr.strip().splitlines()
    assert line.startswith("error: 20261130-101500-ffff: no incident of that id (looked in ")
    assert line.endswith(
        "; no configuration found: --config DIR reads its console.toml's journal_dir)"
    ), line


def test_a_value_a_long_pattern_refuses_is_said_in_the_parameters_words(tmp_path):
    """`--param expect=orders=101` (the `rows.` left out) on init's orders-restore was
    refused with the preset's 211-character regular expression; `tables` given with a
    space, with its 123-character one; then with the parameter's whole description, which
    the picker shows above the field (and wrapped over it at 80x24). Each says what the
    parameter takes in a few words, with an example; so do the migration presets' revision
    and target, which said 'is not text matching previous|base|[A-Za-z0-9_]{1,64}', and
    a number or a time, which named theirs after their type's words (h245's walk)."""
    config = tmp_path / "config"
    assert cli("init", str(config), state_dir=tmp_path).returncode == 0
    base = ["--config", str(config), "run", "--systems", "db"]
    base += ["--trigger", "data-corruption", "--reason", "orders damaged", "--dry-run"]
    for strategy, given, said in [
        ("orders-restore", "expect=orders=101", "'orders=101' is not rows.TABLE=N tokens (and"
         " checksum=HEX), space-separated: rows.orders=1200"),
        ("orders-restore", "tables=orders customers", "'orders customers' is not table names"
         " joined by commas, no spaces (orders,public.customers)"),
        ("orders-schema-down", "revision=head~1", "'head~1' is not previous, base, or a"
         " revision id of letters, digits and _ (0001, ae1027a6acf)"),
        ("orders-schema-down", "lock_timeout=10 s", "'10 s' is not a number, with ms, s or"
         " min (10s, 500ms, 1min; 0: no limit)"),
        # said '... matching [0-9]{1,6}', '... matching .*(Z|[+-][0-9]{2}:?[0-9]{2})'
        ("orders-restore", "wait_seconds=ten", "'ten' is not a whole number of 1 to 6 digits"),
        ("orders-pitr", "recovery_target_time=yesterday", "'yesterday' is not a timestamp with"
         " its zone, like 2024-05-01T13:45:00Z (UTC) or 2024-05-01 15:45:00+02:00 (at most 6"
         " decimals of a second)"),
    ]:  # fmt: skip
        done = cli(*base, "--strategy", strategy, "--param", given, state_dir=tmp_path)
        name = given.split("=")[0]
        assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
        assert done.stderr.startswith(f"error: parameter '{name}': {said}"), done.stderr
        assert done.stderr == f"error: parameter '{name}': {said}\n", done.stderr


def test_a_recovery_time_ahead_of_now_is_refused_before_anything_is_sent(tmp_path):
    """A tired responder types the local time of the change with a Z (12:31 in Paris, an
    hour ahead in UTC): init's orders-pitr took it, declared the incident, ran the halt
    and the assessment, and only the host's precheck said no commit had reached it. The
    time is ahead of this jump host's clock: refused at once, in one line, nothing
    recorded, exit 2. A time a few minutes ahead (a host's clock may run ahead of this
    one's) is the host's to judge: it goes on."""
    config = tmp_path / "config"
    assert cli("init", str(config), state_dir=tmp_path).returncode == 0
    base = ["--config", str(config), "run", "--systems", "db", "--strategy", "orders-pitr"]
    base += ["--trigger", "data-corruption", "--reason", "orders damaged", "--yes"]
    now = datetime.now(UTC)
    ahead = (now + timedelta(hours=1, seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

    # --dry-run: init's db-1 is 10.1.0.21, never dialled here (the refusal comes first)
    given = f"recovery_target_time={ahead}"
    done = cli(*base, "--param", given, "--dry-run", state_dir=tmp_path)

    assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
    said = f"error: parameter 'recovery_target_time': {ahead} is 1 h 0 min ahead of now ("
    assert done.stderr.startswith(said), done.stderr
    assert done.stderr.endswith(
        " UTC on this jump host): no commit has reached it, so recovery never would; its zone"
        " written wrong (Z for a local time)?\n"
    ), done.stderr
    assert not list(tmp_path.glob("**/journal.jsonl"))  # nothing recorded

    near = (now + timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dry = cli(*base, "--param", f"recovery_target_time={near}", "--dry-run", state_dir=tmp_path)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert f"recovery_target_time={near}" in dry.stdout or near in dry.stdout, dry.stdout


def test_list_puts_a_closed_incidents_reason_on_a_line_of_its_own(tmp_path):
    """Seen on a jump host: `list` printed a closed incident's whole outcome label (a
    reason of 190 characters) between its id and its title. The outcome's title stays on
    the incident's line; its reason follows, indented."""
    run = cli(
        *RUN, "--param", "target=2.2.0", "--trigger", "user-impact", "--reason", "checkout",
        "--title", "Roll web back to 2.2.0", "--yes", "--quiet", state_dir=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    listed = cli("list", "--demo", state_dir=tmp_path)
    assert listed.returncode == 0, listed.stderr
    first, reason = listed.stdout.splitlines()[:2]
    assert first.endswith("  failed  Roll web back to 2.2.0"), first
    assert reason.startswith("  ") and len(reason) > 20, reason
