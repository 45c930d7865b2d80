"""The incident bar at 80 columns: walked on 200 sshd hosts in two systems, it read
` 20261205-013322-86f4 │ 0:02:08 │ commander root │ Stakeholder decision …`: the phase cut
off the end, the systems and their hosts never said. What matters first is kept whole
now, the rest left out whole (never cut mid-word), and all of it on a wide terminal."""

from __future__ import annotations

from pathlib import Path

from console.model.triggers import TriggerKind
from console.ui.widgets.incident_bar import IncidentBar, systems_text
from tests.test_ui_support import (  # noqa: F401
    INCIDENT_ID,
    _close_engines,
    _no_cursor_blink,
    until,
    web_and_api_app,
)


async def _bar(tmp_path: Path, size: tuple[int, int]) -> str:
    app, conductor = web_and_api_app(tmp_path, TriggerKind.STAKEHOLDER)
    async with app.run_test(size=size) as pilot:
        app.attach(conductor)
        await app.push_screen("checklist")
        await until(pilot, lambda: bool(app.screen.query(IncidentBar)))
        await pilot.pause(0.1)
        return str(app.screen.query_one(IncidentBar).render()).splitlines()[0]


async def test_at_80_columns_the_clock_the_systems_and_the_phase_stay_whole(tmp_path):
    bar = await _bar(tmp_path, (80, 24))
    assert len(bar) <= 80 and "…" not in bar, bar
    facts = bar.split(" │ ")
    assert facts[1:3] == ["web, api · 5 hosts", "Immediate actions"], bar
    assert facts[0].strip().count(":") == 2  # the clock
    assert "commander commander" in facts  # who leads: it fits


async def test_a_wide_terminal_has_every_fact(tmp_path):
    bar = await _bar(tmp_path, (160, 24))
    facts = [fact.strip() for fact in bar.split(" │ ")]
    assert facts[0] == INCIDENT_ID and "Stakeholder decision" in facts, bar
    assert facts[2:] == [
        "web, api · 5 hosts",
        "Immediate actions",
        "commander commander",
        "Stakeholder decision",
    ], bar


def test_many_systems_are_counted_past_three():
    assert systems_text(["web", "api", "db", "queue", "cache"], 900) == (
        "web, api, db +2 · 900 hosts"
    )
    assert systems_text(["db"], 1) == "db · 1 host"
