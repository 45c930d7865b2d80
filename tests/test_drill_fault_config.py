"""drills.toml faults that check-config accepted and that did not run as written, on
`init`'s configuration (walked by helper-162): a blank fault `command` passed, then
`drill --list` ended 'error: internal error: IndexError: list index out of range'; a
blank `undo` passed (it runs nothing and reads "undone"), as did a blank integrity
command; a fault with both `hosts` and `systems` passed, `drill --list` said it ran 'on
api-1, web', and it ran on its `hosts` alone while `web` was locked for it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DRILLS = """\
[[scenarios]]
name = "web-release"
systems = ["web"]
strategy = "version-rollback"
trigger = "user-impact"
reason = "monthly drill"

[[scenarios.faults]]
name = "deploy the bad release"
command = "ln -sfn releases/1.1 current"
undo = "ln -sfn releases/1.0 current"
systems = ["web"]

[scenarios.integrity]
command = "/usr/local/bin/orders-summary"
"""


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SLACK_WEBHOOK_URL": "https://hooks.example.com/services/T0/B0/x"},
        check=False,
    )


@pytest.mark.parametrize(
    ("written", "line", "error"),
    [
        (
            'command = "  "',
            8,
            "scenarios[0].faults[0]: `command` is blank: write the command that sets the fault",
        ),
        (
            'undo = "  "',
            8,
            "scenarios[0].faults[0]: a fault command needs its `undo`, run when the drill ends",
        ),
        (
            'systems = ["web"]\nhosts = ["web-1"]',
            8,
            "scenarios[0].faults[0]: a fault command runs on its `hosts` or on every host of"
            " its `systems`: give one of them, not both",
        ),
        (
            'command = "  "',
            15,
            "scenarios[0].integrity.command: is blank: write the command that prints the"
            " `integrity` line",
        ),
    ],
    ids=["blank command", "blank undo", "hosts and systems", "blank integrity"],
)
def test_a_fault_that_would_not_run_as_written_is_refused_at_its_line(
    tmp_path: Path, written: str, line: int, error: str
):
    config = tmp_path / "config"
    assert _cli("init", str(config)).returncode == 0
    key = written.split(" ", 1)[0]
    lines = DRILLS.splitlines()
    section = "[scenarios.integrity]" if "integrity" in error else "[[scenarios.faults]]"
    start = lines.index(section)
    at = next(i for i in range(start, len(lines)) if lines[i].startswith(f"{key} "))
    lines[at : at + 1] = written.splitlines()
    (config / "drills.toml").write_text("\n".join(lines) + "\n")
    said = f"error: {config / 'drills.toml'}:{line}: {error}"
    for command in (("check-config", str(config)), ("drill", "--list", "--config", str(config))):
        result = _cli(*command)
        assert (result.returncode, result.stderr.strip()) == (2, said), (command, result)


def test_a_target_meant_in_seconds_is_said(tmp_path: Path, capsys):
    """Walked as a new user: `rto_minutes = 300`, five minutes meant, on a system whose
    RTO is 15 min passed check-config, and every drill's recovery up to five hours with it."""
    from console.cli import main

    config = tmp_path / "config"
    assert main(["init", str(config)]) == 0
    drills = DRILLS.replace(
        'reason = "monthly drill"\n', 'reason = "monthly drill"\nrto_minutes = 900\n'
    )
    (config / "drills.toml").write_text(drills)
    capsys.readouterr()
    assert main(["check-config", str(config)]) == 0
    assert (
        f"warning: {config / 'drills.toml'}:7: scenarios[0].rto_minutes: scenario 'web-release':"
        " its target, 900 min, is 60 times web's RTO (15 min) in inventory.toml: its drill"
        " passes a recovery that misses it (900 seconds would be 15 min)\n"
    ) in capsys.readouterr().err


@pytest.mark.parametrize(
    ("cadence", "said"),
    [
        ("weekly", '; for weekly, write every = "7d" in place of cadence'),
        ("Fortnightly", '; for Fortnightly, write every = "14d" in place of cadence'),
        (
            "montly",
            " (did you mean 'monthly'?); another period is every = \"N\" with h, d or w"
            ' ("7d": weekly)',
        ),
    ],
)
def test_a_cadence_that_is_a_period_says_what_to_write(tmp_path: Path, capsys, cadence, said):
    """`cadence = "weekly"` was refused as "'weekly' is not one of: monthly, before-deploy,
    annual-dr", nothing saying that a week is `every = "7d"`: one line says what to write."""
    from console.cli import main

    config = tmp_path / "config"
    assert main(["init", str(config)]) == 0
    schedule = f'\n[[schedule]]\nscenario = "web-release"\ncadence = "{cadence}"\n'
    (config / "drills.toml").write_text(DRILLS + schedule)
    capsys.readouterr()
    assert main(["check-config", str(config)]) == 2
    line = 19  # the cadence's
    assert capsys.readouterr().err == (
        f"error: {config / 'drills.toml'}:{line}: schedule[0].cadence: {cadence!r} is not one"
        f" of: monthly, before-deploy, annual-dr{said}\n"
    )
