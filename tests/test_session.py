"""The engine's incidents: how a new one is named and listed."""

from __future__ import annotations

from console.engine.session import TITLE_WIDTH, Engine
from console.model.settings import load_settings
from console.paths import demo_config


async def test_a_long_title_is_cut_at_a_word_with_an_ellipsis(tmp_path) -> None:
    engine = Engine(load_settings(demo_config()), tmp_path / "incidents")
    reason = (
        "Critical error threshold exceeded: api/error-rate = 0.22 (threshold 0.1),"
        " 3 consecutive bad sample(s)"
    )
    try:
        conductor = engine.new_incident(reason, incident_id="inc-1")
        title = conductor.state.title
        conductor.recorder.close()
    finally:
        await engine.close()
    assert len(title) <= TITLE_WIDTH and title.endswith(" …")
    assert reason.startswith(title.removesuffix(" …"))  # whole words only
    assert [i.title for i in engine.incidents()] == [title]
