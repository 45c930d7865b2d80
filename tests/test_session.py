"""The engine's incidents: how a new one is named and listed."""

from __future__ import annotations

from console.engine.drill import title_of
from console.engine.session import Engine
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.triggers import TITLE_WIDTH, TriggerKind
from console.paths import demo_config


async def test_a_long_title_is_cut_at_a_word_with_an_ellipsis(tmp_path) -> None:
    engine = Engine(load_settings(demo_config()), tmp_path / "incidents")
    reason = (
        "Critical error threshold exceeded: api/error-rate = 0.22 (threshold 0.1),"
        " 3 consecutive bad sample(s)"
    )
    try:  # the title the console gives an automatic rollback it starts
        title = TriggerKind.ERROR_THRESHOLD.incident_title(reason)
        conductor = engine.new_incident(title, incident_id="inc-1")
        title = conductor.state.title
        conductor.recorder.close()
    finally:
        await engine.close()
    assert len(title) <= TITLE_WIDTH and title.endswith(" …")
    assert reason.startswith(title.removesuffix(" …"))  # whole words only
    assert [i.title for i in engine.incidents()] == [title]


def test_a_hyphenated_name_is_never_cut_at_its_hyphen() -> None:
    reason = "checkout fails for web-data-pipeline-orders-replica-eu-west-production-blue"
    title = TriggerKind.USER_IMPACT.incident_title(reason)
    assert title == "User impact assessment: checkout fails for …"


async def test_a_drills_title_is_kept_whole_as_headless_keeps_it(tmp_path) -> None:
    """The console and `drill` name a drill incident alike (seen on a real fleet: the
    console's document was titled "...; the …" where the headless one had it whole)."""
    settings = load_settings(demo_config())
    engine = Engine(settings, tmp_path / "incidents")
    title = title_of(settings.drills.scenario("dr-exercise"))
    try:
        conductor = engine.new_incident(title, drill=True, incident_id="drill-1")
        conductor.recorder.close()
    finally:
        await engine.close()
    assert len(title) > TITLE_WIDTH
    assert conductor.state.title == title


async def test_a_drill_in_the_list_carries_its_recovery_time(tmp_path) -> None:
    engine = Engine(load_settings(demo_config()), tmp_path / "incidents")
    try:
        conductor = engine.new_incident("monthly drill", drill=True, incident_id="drill-1")
        conductor.recorder.record(
            Kind.RECOVERY_MEASURED,
            system="web",
            started="2026-11-28T09:30:00+00:00",
            verified="2026-11-28T09:31:30+00:00",
            seconds=90.0,
            rto_minutes=15,
            verdict="within RTO",
        )
        conductor.recorder.record(
            Kind.INCIDENT_CLOSED, outcome="rolled-back", label="rolled back and verified"
        )
        conductor.recorder.close()
    finally:
        await engine.close()
    [drill] = engine.incidents()
    assert drill.drill and drill.outcome == "rolled-back"
    assert drill.outcome_label == "rolled back and verified"
    assert (
        drill.recovery["web"].seconds == 90.0 and drill.recovery["web"].verdict == "within target"
    )
