"""A command says only its own words: the console's SSH layer imports without a word on
stderr. With cryptography 51, asyncssh's import printed 'CryptographyDeprecationWarning: DSA
is deprecated ...' five times on every command's stderr (and every test comparing stderr
exactly failed on a fresh install)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_ssh_layer_imports_without_a_word_on_stderr() -> None:
    imported = subprocess.run(
        [sys.executable, "-c", "import console.engine.ssh, console.engine.dial"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert imported.returncode == 0 and imported.stderr == "", imported.stderr
