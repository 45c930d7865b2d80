"""A restart that fails says why in the host's failure summary. Walked at 80x24 with a
configuration from `init` (its restart is `sudo systemctl restart storefront`) on a real
sshd whose account sudo asks a password of: sudo printed `sudo: a password is required`,
then the preset's own line `restart failed: sudo systemctl restart storefront (current
already points at 2.9.1: ...)`, the host's last stderr line, which every failure summary
reads (headless `hosts whose last step did not succeed`, the execution screen's row and
its why, the step's detail): none said what was wrong. The preset's line now carries the
restart's own last stderr line (`; it said: sudo: a password is required`), escaped where
it is shown, as everything from a host is. Real OpenSSH sshd, the real sudo, the command
line as a user runs it."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from console.journal.store import read_journal
from console.model.state import HostStatus, fold
from console.model.visible import visible
from console.ui.screens.execution_rows import why_text
from tests.conftest import _on_ci
from tests.test_needed_nothing_sshd import releases_fleet, run

pytestmark = pytest.mark.sshd

ALREADY = " (current already points at 2.9.1: a retry restarts it)"


def strategies(restart: str) -> dict:
    params = [{"name": "restart", "default": restart}]
    return {
        "strategies": [
            {"name": "version-rollback", "kind": "version-rollback"} | {"params": params}
        ]
    }


def failed(sshd_server, tmp_path: Path, restart: str) -> tuple[str, str]:
    """A run whose restart fails on its one host: (its stdout, the host's failure summary
    as the fold says it)."""
    fleet = releases_fleet(sshd_server, tmp_path, strategies(restart), ("app-1",))
    done = run(fleet, tmp_path / "run")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (fleet.sandboxes["app-1"] / "current").readlink().name == "2.9.1"
    state = fold(read_journal(tmp_path / "run" / "journal.jsonl").events)
    host = state.step("restore").hosts["app-1"]
    assert host.status is HostStatus.FAILED
    why = why_text(host)  # the execution screen's, under the host's row
    assert why is not None and why.plain == f"✘ {visible(host.said(), one_line=True)}", why
    return done.stdout, host.said()


EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "example" / "strategies.toml"


def init_restart() -> str:
    """The restart `init` writes (config/example/strategies.toml's version-rollback)."""
    (rollback,) = [
        s
        for s in tomllib.loads(EXAMPLE.read_text())["strategies"]
        if s["name"] == "version-rollback"
    ]
    return next(p["default"] for p in rollback["params"] if p["name"] == "restart")


def test_a_restart_sudo_refuses_says_sudo_s_words(sshd_server, tmp_path):
    """init's own restart. Walked from the README: it was `sudo systemctl ...`, and sudo,
    with no terminal to ask a password on, first printed `sudo: a terminal is required to
    read the password; either use the -S option ...` (95 columns) above the line that
    says it; docs/strategies.md ("Root: sudo") writes `sudo -n`, which never asks."""
    if shutil.which("sudo") is None:
        if _on_ci():
            pytest.fail("the restart test needs sudo (scripts/bootstrap installs it)")
        pytest.skip("no sudo here")
    restart = init_restart()
    assert restart == "sudo -n systemctl restart storefront", restart

    stdout, said = failed(sshd_server, tmp_path, restart)

    expected = f"restart failed: {restart}; it said: sudo: a password is required{ALREADY}"
    assert said == expected, said
    assert "a terminal is required" not in stdout, stdout  # sudo -n asks nothing
    summary = stdout.split("hosts whose last step did not succeed:\n", 1)[1].splitlines()[0]
    assert summary.endswith(f"— {expected}"), summary


def test_what_the_restart_said_is_escaped_where_it_is_shown(sshd_server, tmp_path):
    restart = "printf 'storefront: \\033[31mfailed\\033]0;owned\\007\\n' >&2; exit 3"

    stdout, said = failed(sshd_server, tmp_path, restart)

    assert said.endswith("; it said: storefront: \x1b[31mfailed\x1b]0;owned\x07" + ALREADY), said
    for shown in (stdout, visible(said, one_line=True)):  # headless; the execution screen
        assert "\x1b" not in shown and "\x07" not in shown  # nothing raw reaches a terminal
    summary = stdout.split("hosts whose last step did not succeed:\n", 1)[1].splitlines()[0]
    assert "it said: storefront: \\x1b[31mfailed\\x1b]0;owned\\x07 (current" in summary, summary
