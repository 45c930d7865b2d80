"""An automatic trigger fired by a probe whose hosts answer in words (`down`, `ok`), on a
real sshd, by a headless `run --trigger auto`: its reason says the value as the probe table
does, `5/5 bad`, never a bare count that reads as a reading."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from console.journal.store import read_journal
from console.model.events import Kind
from tests.fleet_settings import sshd_settings, write_config

pytestmark = pytest.mark.sshd

HOSTS = ["web-1", "web-2", "web-3"]


def test_a_trigger_fired_by_status_words_says_how_many_hosts_read_bad(sshd_server, tmp_path):
    """Seen with `run --trigger auto` on a real sshd fleet whose probe printed `down` on
    every host: 'Critical error threshold exceeded: app/health = 5, 1 bad sample'."""
    settings, _ = sshd_settings(sshd_server, dict.fromkeys(HOSTS, "web"))
    journals = tmp_path / "j"
    config = write_config(
        tmp_path / "config", settings, lock_dir=tmp_path / "locks", journal_dir=journals
    )
    inventory = config / "inventory.toml"
    error_rate = """command = "awk -F= '$1 == \\"error_rate\\" { print $2 }' service/metrics"\n"""
    text = inventory.read_text()
    count = text.count(error_rate)
    assert count == 1, text  # web's error rate, which web-errors watches
    inventory.write_text(text.replace(error_rate, "command = 'echo down'\n"))
    ran = subprocess.run(
        [sys.executable, "-m", "console", "run", "--config", str(config), "--systems", "web",
         "--strategy", "version-rollback", "--trigger", "auto", "--yes", "--quiet"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
    )  # fmt: skip
    (journal,) = journals.glob("*/journal.jsonl")
    (declared,) = [e for e in read_journal(journal).events if e.kind == Kind.TRIGGER_DECLARED]
    assert declared.data.automatic, ran.stderr
    assert declared.data.reason.startswith(  # the bad release's latency fires too
        "Critical error threshold exceeded: web/error-rate = 3/3 bad, 3 bad samples in a row;"
    ), declared.data.reason
