"""A point-in-time target typed without its zone, or with a zone's name, is refused in
one line that says so and shows the forms it takes: exit 2, nothing recorded or sent.

Walked as a tired responder on init's configuration: `--param
recovery_target_time=2026-12-06T08:24:00CET` (and without a zone, `+01`, `Europe/Berlin`)
was refused, exit 2, but the line read "... is not a timestamp like
2024-05-01T13:45:00.123456Z (at most 6 decimals of a second), matching
.*(Z|[+-][0-9]{2}:?[0-9]{2})": a regular expression, where the mistake was the zone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

AT = "2026-12-06T08:24:00"
FORMS = f"write {AT}Z for UTC, or the offset from UTC of the zone meant ({AT}+01:00)"


def _console(*argv: str, state: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
        check=False,
    )


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (AT, f"'{AT}' has no time zone: {FORMS}"),
        (f"{AT}CET", f"'{AT}CET': 'CET' is not a zone this takes: {FORMS}"),
        (f"{AT}+01", f"'{AT}+01': '+01' is not a zone this takes: {FORMS}"),
        (
            f"{AT} Europe/Berlin",
            f"'{AT} Europe/Berlin': 'Europe/Berlin' is not a zone this takes: {FORMS}",
        ),
    ],
    ids=["none", "name", "hours", "region"],
)
def test_a_time_without_its_zone_is_refused_saying_so(tmp_path: Path, typed: str, said: str):
    config, state = tmp_path / "config", tmp_path / "state"
    assert _console("init", str(config), state=state).returncode == 0
    run = _console(
        "run", "--config", str(config), "--systems", "db", "--strategy", "orders-pitr",
        "--param", f"recovery_target_time={typed}", "--trigger", "data-corruption",
        "--reason", "orders damaged at 08:24", "--yes", state=state,
    )  # fmt: skip
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr == f"error: parameter 'recovery_target_time': {said}\n", run.stderr
    assert not (state / "incidents").exists() or not any((state / "incidents").iterdir())
