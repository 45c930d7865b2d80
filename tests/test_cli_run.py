"""The headless contract: run, export and the exit statuses."""

import os
import subprocess
import sys

import pytest

from console.cli.console_app import ran_on_demo
from console.journal.store import read_journal
from console.model.events import Kind
from console.paths import demo_config

RUN = ["run", "--demo", "--systems", "web", "--strategy", "version-rollback"]


def cli(*args, state_dir, timeout=90, **env_vars):
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(state_dir), **env_vars}
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
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
    lines = [ln for e in events if e.kind == Kind.COMMAND_OUTPUT for ln in e.data["lines"]]
    for host in ("web-1", "web-2", "web-3"):
        assert any(e.where.host == host and e.kind == Kind.COMMAND_RESULT for e in events)
    assert lines.count("rolled back: 2.4.1 -> 2.4.0") == 3
    assert lines.count("healthy on 2.4.0") == 3
    assert events[-1].kind == Kind.INCIDENT_CLOSED and events[-1].data["outcome"] == "rolled back"

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


def test_a_failing_host_makes_the_run_exit_1(tmp_path):
    result = cli(
        *RUN, "--trigger", "stakeholder-decision", "--reason", "drill", "--yes",
        "--inject", "fail:web-2", "--journal", str(tmp_path / "j"), state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "FAILED" in result.stdout
    state_events = read_journal(tmp_path / "j" / "journal.jsonl").events
    failures = [e for e in state_events if e.kind == Kind.COMMAND_RESULT and e.data.get("failure")]
    assert {e.where.host for e in failures} == {"web-2"}
    assert failures[0].data["failure"] == "non-zero exit"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trigger", "user-impact", "--yes"], "--reason is required"),
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
    ],
)
def test_bad_usage_exits_2_without_a_journal(tmp_path, args, message):
    result = cli(*RUN, *args, "--journal", str(tmp_path / "j"), state_dir=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "j").exists()


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
    for host in ("web-1", "web-2", "web-3"):
        for stage in ("precheck", "action", "verify"):
            assert f"### {host} {stage}\n" in out
    assert out.count("target=2.3.0\n") >= 3  # in every host's action, shell-quoted
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
    assert events[0].data["drill"] is True
    assert any(e.kind == Kind.RECOVERY_MEASURED for e in events)


def test_a_failed_quiet_run_still_says_which_hosts_are_left_and_why(tmp_path):
    result = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes", "--quiet",
        "--inject", "fail:web-2", state_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "hosts not rolled back:"
    assert lines[1] == (
        "  web-2: failed at capture-evidence · run: non-zero exit: exit status 1"
        " — web-2: injected failure"
    )
    assert ": FAILED; journal " in lines[2] and len(lines) == 3


def test_a_demo_journal_is_resumed_on_the_demo_fleet_without_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path))
    assert ran_on_demo(tmp_path / "demo-incidents" / "20261128-1" / "journal.jsonl")
    assert not ran_on_demo(tmp_path / "incidents" / "20261128-1" / "journal.jsonl")
