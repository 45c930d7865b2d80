"""The command line around the configuration: the first run without one, `init`, a
closed pipe, and an unexpected error: one clear line each, never a traceback (and no
secret in the line or the report kept)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from console.cli import check_config as check_config_command
from console.cli import main
from console.cli.parser import EXIT_FAILED
from console.paths import demo_config
from tests.console_process import console


def test_a_missing_directory_is_a_usage_error(tmp_path):
    result = console("check-config", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr == f"error: {tmp_path / 'nowhere'}: does not exist\n"


def test_init_writes_a_starter_configuration_that_validates(tmp_path):
    target = tmp_path / "mine"
    result = console("init", str(target))
    assert result.returncode == 0, result.stderr
    assert console("check-config", str(target)).returncode == 0
    again = console("init", str(target))
    assert again.returncode == 2 and "would overwrite" in again.stderr


def test_init_without_dir_writes_where_the_console_then_finds_it(tmp_path):
    """`rollback-console init` alone was an argparse error (helper-138): it writes into
    the user config dir, which check-config and the console then read with no option;
    $ROLLBACK_CONSOLE_CONFIG, when set, names the place instead."""
    env = {k: v for k, v in os.environ.items() if k != "ROLLBACK_CONSOLE_CONFIG"}
    env |= {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "SLACK_WEBHOOK_URL": "https://h.example/x"}
    mine = tmp_path / "xdg" / "rollback-console"
    result = console("init", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{mine}: wrote 4 files"), result.stdout
    assert (mine / "inventory.toml").is_file()
    checked = console("check-config", cwd=tmp_path, env=env)
    assert checked.returncode == 0 and checked.stdout.startswith(f"{mine}: ok"), checked
    named = console("init", cwd=tmp_path, env={**env, "ROLLBACK_CONSOLE_CONFIG": "team"})
    assert named.returncode == 0 and (tmp_path / "team" / "procedure.toml").is_file(), named
    again = console("init", cwd=tmp_path, env=env)
    assert again.returncode == 2 and "would overwrite" in again.stderr, again


def test_the_first_run_without_configuration_says_where_it_looked_and_how_on(tmp_path):
    """No --config, no $ROLLBACK_CONSOLE_CONFIG, no ./config, no user config dir."""
    env = {k: v for k, v in os.environ.items() if k != "ROLLBACK_CONSOLE_CONFIG"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    for argv in (
        [],
        ["check-config"],
        ["run", "--systems", "web", "--strategy", "x", "--trigger", "user-impact", "--reason", "r"],
    ):
        result = console(*argv, cwd=tmp_path, env=env)
        assert result.returncode == 2 and not result.stdout
        err = result.stderr
        assert err.startswith("error: no configuration found. Looked in, in order:\n"), err
        assert "--config DIR               not given" in err
        assert "$ROLLBACK_CONSOLE_CONFIG   not set" in err
        assert "./config                   config: does not exist" in err
        assert f"{tmp_path / 'xdg' / 'rollback-console'}: does not exist" in err
        assert "rollback-console demo" in err and "rollback-console init\n" in err
        assert "or init DIR, then pass\n  --config DIR" in err
        assert "Traceback" not in err


def test_the_environment_variable_names_a_directory_that_is_not_there(tmp_path):
    env = {**os.environ, "ROLLBACK_CONSOLE_CONFIG": str(tmp_path / "gone")}
    result = console("check-config", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr == f"error: {tmp_path / 'gone'}: does not exist\n"


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`rollback-console run --dry-run | head`: the pipe closes, the command ends quietly."""
    argv = ["run", "--config", str(demo_config()), "--systems", "web"]
    argv += ["--strategy", "version-rollback", "--trigger", "user-impact", "--reason", "r"]
    script = (
        f"{sys.executable} -m console {' '.join(argv)} --yes --dry-run 2>{tmp_path / 'err'}"
        " | head -n 2; echo status=${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.startswith("# dry run: nothing is sent")
    assert "status=0" in result.stdout
    assert (tmp_path / "err").read_text() == ""
    closed = subprocess.Popen(  # the reader is gone before the first line is written
        [sys.executable, "-m", "console", *argv, "--yes", "--dry-run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    closed.stdout.close()
    err = closed.stderr.read()
    assert closed.wait(timeout=60) == 0 and err == b""


def test_follow_plain_ends_when_its_reader_does(tmp_path):
    """`follow --plain | head -n 1` on an incident still open: follow would poll until the
    incident closes; with its reader gone it ends, quietly, instead."""
    from console.model.events import Kind
    from tests.events_factory import recorder_in

    recorder = recorder_in(tmp_path)
    recorder.record(Kind.INCIDENT_OPENED, title="still open", incident_id="i-1")
    recorder.close()
    script = (
        f"{sys.executable} -m console follow {tmp_path} --plain 2>{tmp_path / 'err'}"
        " | head -n 1; echo status=${PIPESTATUS[0]}"
    )
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "opened the incident" in result.stdout and "status=0" in result.stdout
    assert (tmp_path / "err").read_text() == ""


def test_an_unexpected_error_is_one_line_and_its_traceback_is_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path))

    def broken(args):
        raise RuntimeError("something no check foresaw")

    monkeypatch.setattr(check_config_command, "check_config", broken)
    assert main(["check-config", str(demo_config())]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: internal error: RuntimeError: something no check foresaw")
    (saved,) = (tmp_path / "crashes").iterdir()
    assert f"please report it with {saved}" in err
    assert "Traceback" in saved.read_text() and saved.stat().st_mode & 0o777 == 0o600


def test_an_unexpected_error_s_line_and_report_hold_no_secret(tmp_path, monkeypatch, capsys):
    """The report an internal error asks to be sent with a bug report held the command line
    as typed (`--param token=...`) and the error's own words, secrets and all; so did its
    line on stderr. Both are masked as the journal is, every `--param` value too."""
    from console.headless import dry_run

    secret = "zq7-Crash-Secret"
    monkeypatch.setenv("ROLLBACK_CONSOLE_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("RB_CRASH_TOKEN", secret)
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    (config / "console.toml").write_text('[redact]\nenv = ["RB_CRASH_TOKEN"]\n')

    def broken(settings, request):
        raise RuntimeError(f"no check foresaw {request.reason}")

    monkeypatch.setattr(dry_run, "dry_run", broken)
    argv = ["run", "--config", str(config), "--systems", "web", "--strategy"]
    argv += ["version-rollback", "--trigger", "user-impact", "--dry-run"]
    argv += ["--param", "other=plain-words", "--reason", f"use {secret}"]
    monkeypatch.setattr(sys, "argv", ["rollback-console", *argv])  # as typed
    assert main(argv) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("error: internal error: RuntimeError: no check foresaw use «redacted»")
    (saved,) = (tmp_path / "state" / "crashes").iterdir()
    report = saved.read_text()
    assert secret not in report and "plain-words" not in report
    assert "--param other=«redacted» --reason use «redacted»" in report.splitlines()[0]
