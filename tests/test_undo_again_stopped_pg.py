"""An undo asked again on a host whose data an undo put back already, on a real cluster over
real sshd: the restore undone, the cluster stopped since, `undo JOURNAL restore --hosts db-1`
started it again and exited 0, yet the host was marked failed, 'integrity before: missing
(nothing measured)' (the before the first undo was judged against is that undo's, and the
undo measures nothing before itself). It is judged by what it measured: its after recorded,
not judged, and why said plainly; never failed, never said to match."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.engine.integrity import PUT_BACK
from console.journal.export import EXPORT_FORMATS
from console.journal.export.systems import build_integrity
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.state import fold
from console.ui.screens.assessment import recovery_lines
from tests import pgrig
from tests.test_presets_postgres import ids
from tests.test_restore_cut_short_pg import _pg_ctl

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


def test_an_undo_asked_again_on_a_stopped_cluster_is_recorded_not_failed(host, cluster, tmp_path):
    from tests.test_undo_sets_aside_pg import restored

    config, state, incident = restored(host, cluster, tmp_path)
    undo = ["--config", str(config), "undo", str(incident), "restore", "--yes"]
    first = host_cli(state, *undo)
    assert first.returncode == 0, first.stdout + first.stderr
    cluster.run(*_pg_ctl(cluster).split(), "-m", "fast", "-w", "stop")

    again = host_cli(state, *undo, "--hosts", "db-1")

    assert again.returncode == 0, again.stdout + again.stderr
    assert cluster.running() and ids(cluster) == [1, 2]
    events = read_journal(incident / "journal.jsonl").events
    records = [e.data for e in events if e.kind == Kind.INTEGRITY_RECORDED]
    [*_, then, now] = [r for r in records if r.stage == "after"]
    assert then.verdict == "match"  # the first undo, against the before of the restore
    why = PUT_BACK.format(step="restore")
    assert (now.verdict, now.detail, now.rows) == ("recorded", why, {"orders": 2})
    assert not [r for r in records if r.verdict in ("missing", "mismatch")], records
    said = (
        "integrity after: recorded (database postgres: checksum"
        f" {now.checksum[:16]}…, orders=2): {why}"
    )
    assert said in again.stdout, again.stdout
    assert "restore: undone on db-1;" in again.stdout
    document = EXPORT_FORMATS["markdown"].render(events, False)
    section = document.split("## Data integrity", 1)[1].split("\n## ", 1)[0]
    assert section.count(f"| recorded: {why} |") == 1, section
    assert "missing" not in section and "failed" not in section, section
    # and the console's integrity table (F3, i) says it under the table
    assert f"db-1 (restore.undo): {why}" in recovery_lines(build_integrity(fold(events)))


def host_cli(state: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`rollback-console ARGV` as the commander types it, the incidents under `state`."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)}
    command = [sys.executable, "-m", "console", *argv]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env, check=False
    )
