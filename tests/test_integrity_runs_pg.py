"""Each run of a data-touching step keeps its own row in the rollback document (real sshd,
real PostgreSQL): a point-in-time recovery, its undo, then the recovery again in the same
incident. The document kept one row per step and host, the later run's records over the
first's, the undo's row after it: read top to bottom, the data was left as the undo put it,
while the database held the recovered rows."""

from __future__ import annotations

import hashlib
import json

import pytest

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.describe import describe
from console.journal.export.json_export import render_json
from console.journal.export.markdown import render_markdown
from console.journal.export.systems import build_integrity
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from tests import pg, pgrig
from tests import test_presets_postgres as recovery
from tests.events_factory import recorder_in

pytestmark = [pytest.mark.sshd, pytest.mark.postgres]

host, cluster = pgrig.host, pgrig.cluster  # fixtures

TABLES = ("orders", "customers")


def checksum(cluster: pg.Cluster) -> str:
    """The tables' checksum as docs/strategies.md defines it (md5 of each row's text, in
    order; each table's name, count and md5, a line each), computed here with psql."""
    lines = [
        cluster.sql(
            f"SELECT '{t}', count(*), md5(coalesce(string_agg(md5(x::text), ''"
            f" ORDER BY md5(x::text)), '')) FROM {t} AS x"
        )
        for t in TABLES
    ]
    return hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()[:16]


async def test_a_recovery_undone_then_run_again_has_a_row_for_each_run(host, cluster, tmp_path):
    cluster.sql(recovery.ORDERS)
    cluster.basebackup("nightly")
    cluster.sql("INSERT INTO orders VALUES (4, 'saucer')")
    cluster.switch_wal_and_wait_archived()
    target = cluster.sql(recovery.NOW_UTC)
    cluster.sql("DELETE FROM orders WHERE id > 1")  # the corrupting write
    cluster.switch_wal_and_wait_archived()
    damaged = checksum(cluster)
    settings = load_settings(recovery.configure(host, cluster, tmp_path))
    conductor = Conductor(
        settings, recorder_in(tmp_path / "state"), SshPool(settings.inventory.ssh)
    )
    conductor.open_incident("orders damaged", "inc-runs")
    conductor.declare_trigger(TriggerKind.DATA_CORRUPTION, "orders deleted")
    conductor.select(["db"])
    conductor.choose_strategy("pitr", {"recovery_target_time": target})
    try:
        assert await conductor.run_step("restore")
        assert recovery.ids(cluster) == [1, 2, 3, 4]
        recovered = checksum(cluster)
        assert await conductor.undo("restore")
        assert recovery.ids(cluster) == [1] and checksum(cluster) == damaged
        assert await conductor.run_step("restore", only_hosts=["db-1"])  # again
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    assert recovery.ids(cluster) == [1, 2, 3, 4] and checksum(cluster) == recovered
    events = list(conductor.recorder.events)
    # The undo's line says what its after matched: the data before the restore it undid.
    [undone] = [
        describe(e)
        for e in events
        if e.kind is Kind.INTEGRITY_RECORDED and e.where.step == "restore.undo"
    ]
    assert undone == (
        f"integrity after: match (database postgres: checksum {damaged}…, customers=2,"
        " orders=1): the checksum and the rows of customers, orders the same as before"
        " restore ran"
    ), undone

    # The JSON document: every run, in the order it ran, each with what it measured.
    runs = json.loads(render_json(events))["document"]["integrity"]
    assert [
        (r["step"], (r["before"] or {}).get("checksum"), r["after"]["checksum"]) for r in runs
    ] == [
        ("restore", damaged, recovered),
        ("restore.undo", None, damaged),
        ("restore", damaged, recovered),
    ], runs
    assert [r["recovery"]["timeline"] for r in runs if r["step"] == "restore"] == [2, 3]

    # The markdown: the same rows, the last one where the data was left, and it says so.
    section = render_markdown(events).split("## Data integrity")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| db-1 |")]
    assert [row.split(" | ")[1] for row in rows] == ["restore", "restore.undo", "restore"]
    assert f"checksum {recovered}" in rows[-1].split(" | ")[4], rows[-1]
    assert "the last one is where the data was left" in section


def test_a_run_that_ended_before_its_after_says_so_beside_the_run_after_it():
    """A restore that failed at its action (no after), its undo, then the restore again,
    as walked at 80x24 (a port taken while the cluster restarted): the first run's row
    says it was not reached, and the title counts the host reached by the last run."""
    from console.model.state import IncidentState
    from console.ui.screens.assessment import integrity_title

    state = IncidentState()
    rows = {"orders": 3}
    for step, stage in [
        ("restore", "before"),
        ("restore.undo", "after"),
        ("restore", "before"),
        ("restore", "after"),
    ]:
        state.integrity.append(
            {"step": step, "host": "db-1", "stage": stage, "rows": rows, "verdict": "match"}
        )
    checks = build_integrity(state)
    assert [(c.step, c.verdict) for c in checks] == [
        ("restore", "not reached"),
        ("restore.undo", "match"),
        ("restore", "match"),
    ]
    assert checks[0].detail == "ended before its after record; the step ran again"
    assert integrity_title(checks) == "Data integrity: 1 host(s) compared · no mismatch"
