"""The PostgreSQL recovery presets refusing a backup or a host they cannot restore with,
against a real cluster over real sshd, through `rollback-console run`: a corrupted,
missing, or newer backup (than a point-in-time target), a host without pg_verifybackup, a
mistyped data directory: each refused, saying why, nothing changed. What the WAL cannot
reach is tests/test_presets_postgres_refused_targets.py; the helpers are
tests/test_presets_postgres.py's."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from console.journal.export.document import build_document
from console.model.visible import clip
from tests import pgrig
from tests.pgrig import run_console
from tests.test_presets_postgres import (
    ORDERS,
    configure,
    ids,
    kept_aside,
)

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures


def _corrupt_a_data_file(backup: Path) -> None:
    """Flip bytes inside one relation file of an uncompressed tar backup: tar still
    unpacks it, only the manifest's checksums can tell."""
    path = backup / "base.tar"
    with tarfile.open(path) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("base/") and m.size > 8192)
    data = bytearray(path.read_bytes())
    data[member.offset_data + 100] ^= 0xFF
    path.write_bytes(bytes(data))


def _corrupt_the_stream(backup: Path) -> None:
    """Flip bytes in the middle of the gzip stream: unpacking fails its CRC."""
    path = backup / "base.tar.gz"
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 64):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("gzip", "corrupt"),
    [(False, _corrupt_a_data_file), (True, _corrupt_the_stream)],
    ids=["pg_verifybackup", "gzip"],
)
def test_a_corrupted_backup_is_refused_by_the_precheck_and_nothing_changes(
    host, cluster, tmp_path, gzip, corrupt
):
    cluster.sql(ORDERS)
    backup = cluster.basebackup("nightly", gzip=gzip)
    corrupt(backup)
    cluster.sql("DELETE FROM orders WHERE id = 3")
    postmaster = (cluster.pgdata / "postmaster.pid").read_text().split()[0]
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "restore")

    assert outcome.returncode == 1
    assert outcome.failed_stage() == "precheck"
    assert cluster.running() and ids(cluster) == [1, 2]
    assert (cluster.pgdata / "postmaster.pid").read_text().split()[0] == postmaster
    assert kept_aside(cluster, outcome.incident) == []  # the staged copy is gone too


def test_a_missing_backup_fails_the_precheck_and_the_document_says_where(host, cluster, tmp_path):
    """Seen on a real fleet: a restore from a backup directory that does not exist failed
    at the precheck (nothing changed), and the document's Failures said only 'failed:
    non-zero exit, exit status 3': a reviewer could not tell whether the data directory
    was touched. It names the stage that failed. Walked as a tired responder, a backup's
    name mistyped ('nigthly', 'nightly' not yet made here): the line said 'no backup
    directory ...' alone; it names the backups beside it, newest first."""
    from console.journal.export import EXPORT_FORMATS

    cluster.sql(ORDERS)
    cluster.basebackup("2026-12-05")
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "restore")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert cluster.running() and ids(cluster) == [1, 2, 3]
    failures = build_document(outcome.events).failures
    assert [(f.host, f.stage) for f in failures] == [("db-1", "precheck")]
    text = EXPORT_FORMATS["markdown"].render(outcome.events, False)
    assert "- **Result:** failed at the precheck: non-zero exit, exit status 3" in text
    why = f"no backup directory {cluster.backups / 'nightly'} (backup); the newest beside it: 2026-12-05"
    assert why in text
    # The timeline says why too, as `export` writes it: its row read 'db-1: non-zero exit'.
    journal = tmp_path / "state" / "incident-restore"
    exported = subprocess.run(
        [sys.executable, "-m", "console", "export", str(journal), "--format", "json", "-o", "-"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    rows = [r["what"] for r in json.loads(exported.stdout)["document"]["timeline"]["rows"]]
    [row] = [r for r in rows if r.startswith("finished step “Restore the data”")]
    assert f"1 failed (db-1: at precheck, exit status 3: {clip(why, 100)}) in " in row, row


def test_point_in_time_refuses_a_backup_newer_than_the_target(host, cluster, tmp_path):
    cluster.sql(ORDERS)
    before_backup = cluster.sql(
        "SELECT to_char(now() AT TIME ZONE 'UTC' - interval '1 hour',"
        ' \'YYYY-MM-DD"T"HH24:MI:SS"Z"\')'
    )
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)

    outcome = run_console(
        config, tmp_path / "state", "pitr", f"recovery_target_time={before_backup}"
    )

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck"
    # The host's summary line gives the refusal, not a claim the refusal made false:
    # the staged copy is removed, so it was never "staged and verified".
    summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: failed"))
    assert summary.endswith("choose an older backup"), summary
    assert "staged and verified" not in outcome.stdout
    assert cluster.running() and ids(cluster) == [1, 2, 3]
    assert kept_aside(cluster, outcome.incident) == []


def test_a_host_without_pg_verifybackup_is_refused_naming_the_tool(host, cluster, tmp_path):
    """It said "backup ... refused: nothing was changed" after a shell's 'not found', as if
    the backup were bad; now the precheck names the missing tool before staging anything."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    bindir = host.home("bin")
    for tool in cluster.bindir.iterdir():
        if tool.name != "pg_verifybackup":
            (bindir / tool.name).symlink_to(tool)
    config = configure(host, cluster, tmp_path)

    outcome = run_console(config, tmp_path / "state", "restore", f"bindir={bindir}")

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert f"pg_verifybackup not found in {bindir}" in outcome.stdout
    assert cluster.running() and ids(cluster) == [1, 2, 3]
    assert kept_aside(cluster, outcome.incident) == []


@pytest.mark.parametrize("bindir", ["given", "auto", "a stopped copy"])
def test_a_mistyped_data_directory_is_refused_before_anything_is_staged(
    host, cluster, tmp_path, bindir
):
    """pgdata=.../dta (for .../data): the precheck read 'the cluster is not running:
    nothing to measure before', staged the backup beside the running cluster, and the
    action said 'data directory replaced; the old one is kept at .../dta.replaced-...'
    (there was none) before a second server from the backup failed to bind the port. With
    bindir auto it read 'pg_ctl not found in PATH: set bindir' (with a pg_ctl on PATH,
    'pg_controldata not found in /usr/local/bin: set bindir'). Now the precheck names the
    path as pgdata's, what is not there and the data directories beside it, and nothing is
    made beside it. So with pgdata a stopped copy
    (walked: a data directory an earlier restore kept aside, completed by the shell), which
    the action replaced before the same failure, the live cluster answering on pg_port."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)
    typo = cluster.root / "dta"
    if bindir == "a stopped copy":
        cluster.run("cp", "-a", str(cluster.pgdata), str(typo))
        (typo / "postmaster.pid").unlink()
    params = [f"pgdata={typo}"] + (["bindir=auto"] if bindir == "auto" else [])

    outcome = run_console(config, tmp_path / "state", "restore", *params)

    assert outcome.returncode == 1 and outcome.failed_stage() == "precheck", outcome.stdout
    assert f"{typo} (pgdata)" in outcome.stdout
    if bindir != "a stopped copy":  # the key, the value and what is not there, not bindir
        summary = next(ln for ln in outcome.stdout.splitlines() if ln.startswith("  db-1: "))
        assert summary.endswith(
            f"— no directory {typo} (pgdata); the data directories beside it: {cluster.pgdata}:"
            " check the path; to restore where the data directory is gone, create it empty"
        ), summary
    made = sorted(p.name for p in cluster.root.iterdir() if p.name.startswith("dta"))
    assert made == (["dta"] if bindir == "a stopped copy" else [])
    assert cluster.running() and ids(cluster) == [1, 2, 3]
