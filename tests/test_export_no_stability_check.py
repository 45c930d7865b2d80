"""A procedure with no stability check (no probe step), as a user may write one from the
README: its rollback closes "rolled back and verified" (every host's verify passed), and
the document said in the same paragraph "stability was not verified", a contradiction to
a reviewer. It says that the procedure has no stability check instead. On a real OpenSSH
sshd, through `run` and `export`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.test_remote_lifetime import fleet

pytestmark = pytest.mark.sshd

PROCEDURE = """\
name = "Without a stability check"

[[phases]]
phase = "immediate"

[[phases.steps]]
id = "open-bridge"
title = "Open the incident bridge"
kind = "manual"

[[phases]]
phase = "execution"

[[phases.steps]]
id = "restore"
title = "Restore previous version"
kind = "strategy"

[[phases]]
phase = "post"

[[phases.steps]]
id = "document"
title = "Document the root cause"
kind = "form"
fields = ["root_cause"]
"""


def test_a_procedure_without_a_probe_step_is_not_said_unverified(sshd_server, tmp_path):
    config, _ = fleet(sshd_server, tmp_path, ["web-1"])
    (config / "procedure.toml").write_text(PROCEDURE)
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    run = subprocess.run(
        [sys.executable, "-m", "console", "run", "--config", str(config), "--systems", "web",
         "--strategy", "version-rollback", "--trigger", "user-impact", "--reason", "bad",
         "--yes", "--json"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
    document = subprocess.run(
        [sys.executable, "-m", "console", "export", str(journal), "--format", "markdown"],
        capture_output=True, text=True, timeout=60, env=env, check=True,
    ).stdout  # fmt: skip
    text = " ".join(document.split())
    assert "Outcome: rolled back and verified" in text
    assert "selected systems: web (1 host) |" in text  # not "(1 hosts)"
    assert "stability was not verified" not in text.lower(), text
    assert "declaration; the procedure has no stability check (a probe step). Outcome" in text
    assert "| Verified stable | – | the procedure has no stability check (a probe step) |" in text
    assert "The procedure has no stability check (a probe step), so recovery time" in text
