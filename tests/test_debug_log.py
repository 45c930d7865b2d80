"""`--log FILE` against a real OpenSSH sshd: the debug log has the SSH negotiation and the
console's timings, is the user's alone, and holds no secret the configuration names."""

from __future__ import annotations

import argparse
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from tests.fleet_settings import sshd_settings
from tests.test_notify_error_answer_sshd import receiver, run_against

pytestmark = pytest.mark.sshd
SECRET = "hunter2-Zq8v"


def write_config(settings, directory: Path, console: dict) -> Path:
    """A configuration directory, as a user writes one, from validated settings."""
    data = settings.dumped(mode="json", exclude_none=True)
    directory.mkdir()
    files = {
        "inventory.toml": data["inventory"],
        "procedure.toml": data["procedure"],
        "strategies.toml": {"strategies": data["strategies"]},
        "console.toml": console,
    }
    for name, content in files.items():
        (directory / name).write_text(tomli_w.dumps(content))
    return directory


def test_the_debug_log_shows_negotiation_and_timings_and_no_secret(sshd_server, tmp_path):
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    config = write_config(settings, tmp_path / "config", {"redact": {"values": [SECRET]}})
    log = tmp_path / "debug.log"
    done = subprocess.run(
        [
            sys.executable, "-m", "console", "exec", "--config", str(config), "--systems", "web",
            "--log", str(log), f"echo {SECRET}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "web-1: «redacted»" in done.stdout  # as journalled
    text = log.read_text()
    assert SECRET not in text
    assert "rollback-console exec" in text
    assert "Auth for user" in text and "Connected to SSH server" in text  # asyncssh
    assert "console.engine.shared_dials: web-1: connected in " in text
    assert "console.engine.runner: web-1 adhoc-1: exit 0 in " in text
    assert "Command:" not in text  # commands are in the journal, masked
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_no_log_is_written_unless_asked(sshd_server, tmp_path):
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    config = write_config(settings, tmp_path / "config", {})
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "exec",
            "--config",
            str(config),
            "--systems",
            "web",
            "true",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=work,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert list(work.iterdir()) == []
    assert not [p for p in (tmp_path / "state").rglob("*") if p.suffix == ".log"]


def test_what_a_receiver_answers_reaches_the_debug_log_with_no_control_character(
    sshd_server, tmp_path
):
    """Seen with `--log debug.log` on a run whose webhook answered `HTTP/1.1 400` with a
    reason phrase of escape sequences (`\\x1b[2J\\x1b]0;PWNED\\x07`): the journal, the
    screens and the run's lines showed them escaped, while the debug log held them raw,
    `notification status-page: attempt 1: HTTP 400 ^[[2J^[]0;PWNED^G`: `tail -f
    debug.log` cleared the reader's terminal and retitled its window."""

    def escapes(connection) -> None:
        reason = b"\x1b[2J\x1b]0;PWNED\x07\x9b31m"
        connection.sendall(b"HTTP/1.1 400 " + reason + b"\r\nContent-Length: 0\r\n\r\n")

    log = tmp_path / "debug.log"
    with receiver(escapes) as (url, _taken):
        _fleet, done = run_against(sshd_server, tmp_path, url, "--log", str(log))
    assert "internal error" not in done.stderr, done.stderr
    text = log.read_text()
    assert "notification status-page: attempt 1: HTTP 400 \\x1b[2J\\x1b]0;PWNED\\x07" in text
    assert not [c for c in text if c != "\n" and (c < " " or "\x7f" <= c <= "\x9f")], text


def test_a_traceback_reaches_the_debug_log_masked_and_shown(tmp_path):
    """A worker's unexpected error is logged with its traceback (ui/worker_errors.py), which
    logging's Formatter adds after the filter: its message reached the log raw, a secret
    the configuration names (a webhook's URL) and a host's escape sequences with it."""
    from console.cli import debuglog
    from console.journal.redact import Redactor

    log = tmp_path / "debug.log"
    levels = {name: logging.getLogger(name).level for name in debuglog.LOGGERS}
    debuglog.start_debug_log(str(log), argparse.Namespace(command="run"))
    [handler] = [h for h in logging.getLogger("console").handlers if debuglog._filter in h.filters]
    try:
        assert debuglog._filter is not None
        debuglog._filter.redactor = Redactor([SECRET])
        try:
            raise RuntimeError(f"POST https://hooks.example/{SECRET}: \x1b]0;PWNED\x07")
        except RuntimeError as error:
            logging.getLogger("console.ui.worker_errors").error(
                "Sending stopped on an unexpected error", exc_info=error
            )
    finally:
        for name, level in levels.items():
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(level)
        handler.close()
        debuglog._filter = None
    text = log.read_text()
    assert "Sending stopped on an unexpected error\nTraceback (most recent call last):" in text
    assert "RuntimeError: POST https://hooks.example/«redacted»: \\x1b]0;PWNED\\x07" in text, text
    assert SECRET not in text
    assert not [c for c in text if c != "\n" and (c < " " or "\x7f" <= c <= "\x9f")], text
