"""A restore's undo says what it throws away, on a real PostgreSQL over real sshd. Seen:
25 minutes after a point-in-time restore, `undo JOURNAL restore --yes` put the old data
directory back; everything committed since survived only in `<pgdata>.undone-<incident>`,
and neither the confirmation, the output ("integrity after: match ...") nor the document
said so. Now the hosts are asked first what the undo sets aside (transactions that wrote
since the restore, counted from the transaction id its promotion recorded, and the WAL
since its timeline began); headless, --yes alone is refused where any would go aside,
naming --discard-writes; the undo's own line and the document's Restored to say it, as
counted once the cluster is stopped."""

from __future__ import annotations

import re

import pytest

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.set_aside import ASKED_FIRST
from tests import pgrig
from tests.folded import folded, too_wide
from tests.pgrig import run_console, write_config
from tests.test_presets_postgres import ORDERS, configure, ids, recovered_to_a_time
from tests.test_restore_cut_short_pg import _pg_ctl, _restore_with
from tests.test_undo_again_stopped_pg import host_cli

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]
host, cluster = pgrig.host, pgrig.cluster  # fixtures

RESTORE_AT = r"since the restore at \d\d:\d\d UTC"


def restored(host, cluster, tmp_path):
    """orders backed up, a row deleted (the bad delivery), restored by `run`: (the
    configuration, the state directory, the incident's directory)."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("DELETE FROM orders WHERE id = 3")
    config = write_config(tmp_path / "config", host, _restore_with(cluster), host.home("work"))
    state = tmp_path / "state"
    assert run_console(config, state, "restore").rolled_back()
    return config, state, state / "incident-restore"


def aside(out: str) -> str:
    """What `undo` said it sets aside, its folded lines read back as one."""
    [said] = [line for line in folded(out, "! ", "  ") if line.startswith("sets aside: ")]
    return f"! {said}"


def test_an_undo_that_would_set_writes_aside_wants_them_named(host, cluster, tmp_path):
    config, state, incident = restored(host, cluster, tmp_path)
    for n in (10, 11, 12):  # three transactions, as an application commits them
        cluster.sql(f"INSERT INTO orders VALUES ({n}, 'after the restore')")
    undo = ["--config", str(config), "undo", str(incident), "restore", "--yes"]

    refused = host_cli(state, *undo)

    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert re.search(
        rf"! sets aside: 3 transactions wrote {RESTORE_AT} \([0-9.]+ (bytes|kB|MB) of WAL\):"
        rf" it goes aside with the restored data directory to {cluster.pgdata}.undone-\S+,"
        " not merged back",
        aside(refused.stdout),
    ), refused.stdout
    assert not too_wide(refused.stdout, ("! ", "  ")), refused.stdout
    assert refused.stderr.strip().endswith(
        "it would take what was written since the restore out of the live database (kept"
        " aside, not merged back: `! sets aside` above); to undo anyway, add --discard-writes"
    ), refused.stderr
    assert ids(cluster) == [1, 2, 3, 10, 11, 12]  # nothing sent: the writes are live
    events = read_journal(incident / "journal.jsonl").events
    assert not [e for e in events if e.kind == Kind.COMMAND_INTENT and e.where.step != "restore"]
    [note] = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]
    assert note.startswith("Undo of “Restore the data” not started (--discard-writes not given)")

    undone = host_cli(state, *undo, "--discard-writes")

    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert ids(cluster) == [1, 2]
    said = re.search(
        rf"\| set aside in (\S+), not merged back into {cluster.pgdata}: 3 transactions wrote"
        rf" {RESTORE_AT} \(",
        undone.stdout,
    )
    assert said, undone.stdout
    events = read_journal(incident / "journal.jsonl").events
    notes = [e.data.text for e in events if e.kind == Kind.NOTE_ADDED]
    assert notes[-1].startswith("Undo of “Restore the data” confirmed (--discard-writes): 3")
    # said again on its last line, and in the document's summary (they said `undone` alone)
    went = (
        rf"the restored data directory set aside, not merged back: 3 transactions wrote"
        rf" {RESTORE_AT} \([0-9.]+ (bytes|kB|MB) of WAL\), kept at {re.escape(said.group(1))}"
    )
    last = undone.stdout.splitlines()[-1]
    assert re.fullmatch(rf"restore: undone on db-1, {went}; journal \S+", last), last
    document = EXPORT_FORMATS["markdown"].render(events, False)
    document = re.sub(r"\\(.)", r"\1", document)  # as it reads: a path's `_` is escaped there
    row = next(r for r in document.splitlines() if r.startswith("| db-1 | restore.undo |"))
    assert f"the restored one is kept at {said.group(1)}, not merged back: 3 transactions" in row
    summary = document.split("## Summary\n\n", 1)[1].split("\n", 1)[0]
    assert re.search(rf"The rollback was undone since on 1 host \(db-1\), {went}\.", summary), (
        summary
    )


def test_an_undo_with_nothing_written_since_says_so_and_needs_no_more(host, cluster, tmp_path):
    config, state, incident = restored(host, cluster, tmp_path)
    cluster.sql("SELECT count(*) FROM orders")  # a read writes nothing
    undo = ["--config", str(config), "undo", str(incident), "restore"]
    dry = host_cli(state, *undo, "--dry-run")  # connects to nothing: says it will ask
    said = " ".join(line.removeprefix("# ") for line in dry.stdout.splitlines())
    assert ASKED_FIRST in said, dry.stdout

    undone = host_cli(state, *undo, "--yes")

    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert re.search(
        rf"! sets aside: nothing was written {RESTORE_AT} \(no transaction wrote; [0-9.]+"
        r" (bytes|kB) of WAL, the server's own\); the restored data directory goes aside to",
        aside(undone.stdout),
    ), undone.stdout
    assert re.search(
        r"\| set aside in \S+, not merged back into \S+: nothing was written", undone.stdout
    )
    assert ids(cluster) == [1, 2]


def test_a_point_in_time_restore_counts_the_same_with_its_cluster_stopped(host, cluster, tmp_path):
    """As last session's incident: a recovery to a time, then the application's writes;
    counted from the server while it runs, and from pg_control once someone stopped it
    (its WAL then not said: an archiving server's stop pads its last segment)."""
    _, outcome, config = recovered_to_a_time(host, cluster, tmp_path)
    for n in (20, 21):
        cluster.sql(f"INSERT INTO orders VALUES ({n}, 'after the restore')")
    state, incident = tmp_path / "state", tmp_path / "state" / "incident-pitr"
    undo = ["--config", str(config), "undo", str(incident), "restore", "--yes"]
    running = host_cli(state, *undo)
    cluster.run(*_pg_ctl(cluster).split(), "-m", "fast", "-w", "stop")

    stopped = host_cli(state, *undo)

    kept = f"{cluster.pgdata}.undone-{outcome.incident}"
    for said, wal in ((running, r" \([0-9.]+ (bytes|kB) of WAL\)"), (stopped, "")):
        assert said.returncode == 2, said.stdout + said.stderr
        assert re.search(
            rf"! sets aside: 2 transactions wrote {RESTORE_AT}{wal}: it goes aside with the"
            rf" restored data directory to {kept}, not merged back$",
            aside(said.stdout),
        ), said.stdout
    undone = host_cli(state, *undo, "--discard-writes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert f"| set aside in {kept}, not merged back into {cluster.pgdata}: 2 transactions" in (
        undone.stdout
    )


def test_the_undo_of_a_recovery_that_never_finished_sets_nothing_written_aside(
    host, cluster, tmp_path
):
    """A recovery that failed before promotion opened nothing for writes: its undo puts
    the data back on --yes alone, saying so (it asked for --discard-writes: "not known")."""
    cluster.sql(ORDERS)
    cluster.basebackup("nightly")
    config = configure(host, cluster, tmp_path)
    cluster.stop_all()  # past the end of the WAL: recovery ends before it, the server down
    failed = run_console(config, tmp_path / "state", "replay", "recovery_target_lsn=FF/0")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    state, incident = tmp_path / "state", tmp_path / "state" / "incident-replay"

    undone = host_cli(state, "--config", str(config), "undo", str(incident), "restore", "--yes")

    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert (
        "! sets aside: nothing was written since the restore: it never left recovery (read"
        " only); the restored data directory goes aside to"
    ) in aside(undone.stdout), undone.stdout
