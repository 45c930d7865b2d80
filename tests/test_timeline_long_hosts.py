"""The timeline at 80x24 with 40-character host names: each row's place keeps the end that
tells one host from another. Seen on a real sshd fleet of 197 such hosts: every host's
row read 'payments-ledger…' (the hosts' -007, -042 and -150 alike, a failure's among
them); cut in the middle, 'payment…t-1a-007'. Wider, 'host · step' keeps the host's end."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.model.events import Kind
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    populated_app,
    until,
)

HOSTS = [f"payments-ledger-reconciliation-eu-west-1a-{n:03d}" for n in (7, 42, 150)]


@pytest.mark.parametrize("width", [80, 120])
async def test_long_host_names_stay_apart_in_the_timeline(
    width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = populated_app(tmp_path, monkeypatch)
    conductor = app.prepared
    events = [
        conductor.recorder.record(
            Kind.COMMAND_OUTPUT, stream="stderr", lines=["restart failed"], host=h, step="restore"
        )
        for h in HOSTS
    ]
    async with app.run_test(size=(width, 24)) as pilot:
        app.attach(conductor)
        app.action_go("timeline")
        await until(pilot, lambda: getattr(app.screen, "TAB", None) == "timeline")
        rows = [app.screen.row_text(e, width).plain for e in events]
        for row, end in zip(rows, ("1a-007", "1a-042", "1a-150"), strict=True):
            assert end in row, rows
            assert "restart failed" in row, rows
        if width >= 100:
            assert all("· rest" in row for row in rows), rows  # the step, as room allows


@pytest.mark.parametrize("width", [80, 120])
async def test_hosts_that_differ_mid_name_never_read_alike_in_the_timeline(
    width: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An eu-west and a us-west host of one incident both read 'payments…1a-001' at 80
    columns (and 'payments-…-1a-001 · restore' at 120): the failure of one read as the
    other's. Names the incident's hosts would share once cut keep where they differ."""
    app = populated_app(tmp_path, monkeypatch)
    conductor = app.prepared
    twins = [f"payments-ledger-reconciliation-{r}-west-1a-001" for r in ("eu", "us")]
    conductor.recorder.record(
        Kind.SYSTEMS_SELECTED, systems=["payments"], hosts=dict.fromkeys(twins, "payments")
    )
    events = [
        conductor.recorder.record(
            Kind.COMMAND_OUTPUT, stream="stderr", lines=[said], host=h, step="restore"
        )
        for h, said in zip(twins, ("restart failed", "restarted"), strict=True)
    ]
    async with app.run_test(size=(width, 24)) as pilot:
        app.attach(conductor)
        app.action_go("timeline")
        await until(pilot, lambda: getattr(app.screen, "TAB", None) == "timeline")
        eu, us = (app.screen.row_text(e, width).plain for e in events)
        assert "-eu-" in eu and "restart failed" in eu, eu
        assert "-us-" in us and "restarted" in us, us


async def test_a_written_documents_row_keeps_its_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80x24 the row read 'wrote the document: /tmp/h205/exports/incident-rev…' (walked
    on real sshd): which file was written was cut off. The path is cut from the left."""
    app = populated_app(tmp_path, monkeypatch)
    conductor = app.prepared
    where = "/srv/postmortems/incident-review-for-the-storefront-checkout-regression/drafts"
    paths = [f"{where}/rollback.md", f"{where}/storefront-rollback-2026-12-06-first-draft.md"]
    events = [
        conductor.recorder.record(Kind.EXPORT_WRITTEN, path=p, format="markdown") for p in paths
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        app.action_go("timeline")
        await until(pilot, lambda: getattr(app.screen, "TAB", None) == "timeline")
        rows = [app.screen.row_text(e, 78).plain for e in events]
    assert all(len(row) <= 78 for row in rows), rows
    assert "wrote the document: …" in rows[0] and rows[0].endswith("/drafts/rollback.md"), rows
    # a file name wider than the room: cut in its middle, both its ends kept
    assert rows[1].endswith("-first-draft.md") and "storefront-" in rows[1], rows
