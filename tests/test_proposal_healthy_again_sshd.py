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

from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.watch import SampleState
from console.ui.screens.proposal import ProposalDialog
from console.ui.screens.trigger import TriggerScreen
from tests.test_drills_sshd import staging_fleet
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    type_text,
    until,
)

DISMISSED = Kind.TRIGGER_DISMISSED

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
        assert len(app.live.proposals) == 1  # it still waits for a decision
        assert "▲ TRIGGER FIRED Critical error threshold exceeded: app/health" in said(), said()
        assert (
            f"Fired at {fired:%H:%M:%S} UTC; its probe reads healthy again: app/health = 2/2 ok"
        ) in said(), said()

        # Its dialog open, the trigger fires again: the dialog shows the new firing and the
        # decision is on it (deciding on the old one left the new one waiting, undecided).
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, ProposalDialog))
        dialog = app.screen
        old = dialog.proposal
        _release(fleet.sandboxes["app-1"], "1.1", *owner)
        await until(pilot, lambda: dialog.proposal is not old, 60)
        shown = str(dialog.query_one("#proposal-error").render())
        assert shown.startswith(f"▲ It fired again at {dialog.proposal.firing.fired_at:%H:%M:%S}")
        await pilot.press("down", "space")  # dismiss
        await type_text(pilot, "canary flapping [OPS-7]")  # brackets: words, not markup
        await pilot.press("enter")
        await until(pilot, lambda: not app.live.proposals)
        [dismissed] = [i for i in app.engine.incidents() if i.outcome == "dismissed"]
        [record] = [e for e in read_journal(dismissed.path).events if e.kind == DISMISSED]
        assert str(record.data.fired_at) == str(dialog.proposal.firing.fired_at.isoformat())

        # The trigger screen then says the trigger fired and was dismissed (it read "None of
        # these automatic triggers has fired" under "▲ firing Critical error threshold").
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
        summary = str(app.screen.query_one("#auto-summary").render())
        assert summary == (
            "1 fired, dismissed (“canary flapping [OPS-7]”): declare one by hand below."
        ), summary
