"""A proposal whose probe reads healthy again says so (real sshd, 80x24). Walked on a real
fleet: an error-rate spike fired its trigger during an incident; 28 minutes later, the
spike long over, the home screen's banner still read `▲ TRIGGER FIRED Critical error
threshold exceeded: web/error-rate = 0.4 > 0.05` above a probe table reading 0.01
healthy, with p ready to declare it (the latency trigger firing then was only 'Also
firing'). The banner now says when it fired and what its probe reads now."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Static

from console.model.loading import load_settings
from console.model.watch import SampleState
from tests.test_drills_sshd import staging_fleet
from tests.test_ui_support import _close_engines, _no_cursor_blink, build_app, until  # noqa: F401

pytestmark = pytest.mark.sshd


def _release(sandbox: Path, version: str, uid: int, gid: int) -> None:
    current = sandbox / "current"
    current.unlink()
    current.symlink_to(f"releases/{version}")
    os.lchown(current, uid, gid)


async def test_the_banner_says_the_probe_reads_healthy_again(sshd_server, tmp_path: Path):
    fleet = staging_fleet(sshd_server, tmp_path)
    owner = (sshd_server.account.uid, sshd_server.account.gid)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents", sample_probes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        reading = app.live.watcher.readings["app/health"]
        await until(pilot, lambda: reading.last is not None, 60)
        _release(fleet.sandboxes["app-1"], "1.1", *owner)  # its health reads bad
        await until(pilot, lambda: bool(app.live.proposals), 60)
        banner = app.screen.query_one("#alert", Static)
        assert "healthy again" not in str(banner.render())
        fired = app.live.proposals[0].firing.fired_at
        _release(fleet.sandboxes["app-1"], "1.0", *owner)
        healthy = SampleState.HEALTHY
        await until(pilot, lambda: reading.last.state is healthy, 60)

        def said() -> str:
            return " ".join(str(banner.render()).split())

        await until(pilot, lambda: "healthy again" in said(), 10)
        proposals = app.live.proposals
    assert len(proposals) == 1  # it still waits for a decision
    assert "▲ TRIGGER FIRED Critical error threshold exceeded: app/health" in said(), said()
    assert (
        f"Fired at {fired:%H:%M:%S} UTC; its probe reads healthy again: app/health = 2/2 ok at"
    ) in said(), said()
