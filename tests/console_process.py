"""`python -m console ...` as a user runs it, for tests: never a traceback, whatever the input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The example's status update goes to a Slack webhook whose URL is read from this variable
# (check-config warns while it is unset): set, unless a test gives its own environment, so
# that a copy of the example warns only of what a test is about.
EXAMPLE_HOOK = {"SLACK_WEBHOOK_URL": "https://hooks.slack.example/services/T0/B0/X"}


def console(
    *argv: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "console", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env if env is not None else {**os.environ, **EXAMPLE_HOOK},
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result
