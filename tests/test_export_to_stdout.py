"""`export JOURNAL -o -` (walked after a real PostgreSQL recovery, as many tools read `-`):
it wrote the document to a file named `-` in the current directory, mode 0600, and
printed nothing. `-` is stdout, for export and import-ansible alike."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.test_cli_run import RUN, cli


def test_export_to_dash_prints_the_document_and_writes_no_file(tmp_path):
    journal = tmp_path / "incident"
    ran = cli(
        *RUN, "--trigger", "user-impact", "--reason", "checkout 500s", "--yes", "--quiet",
        "--journal", str(journal), state_dir=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    here = tmp_path / "cwd"
    here.mkdir()
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path)}
    argv = [sys.executable, "-m", "console", "export", str(journal)]
    plain = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=here, timeout=60)
    dashed = subprocess.run(
        [*argv, "-o", "-"], capture_output=True, text=True, env=env, cwd=here, timeout=60
    )

    assert dashed.returncode == 0, dashed.stderr
    assert dashed.stdout == plain.stdout and "## Data integrity" in dashed.stdout
    assert list(here.iterdir()) == []
