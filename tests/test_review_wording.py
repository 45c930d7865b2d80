"""What the record says as a reviewer who was not there reads it: the strategy's parameters
in the strategy's own order, a trigger's label said once, a sub-minute RTO in seconds."""

from __future__ import annotations

from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.describe import describe
from console.journal.files import JOURNAL_NAME
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.triggers import TriggerKind
from console.paths import demo_config
from tests.events_factory import recorder_in


async def test_chose_the_strategy_lists_its_parameters_in_the_strategys_order(tmp_path):
    """config-restore declares revision, config_dir, revisions_dir: said in that order,
    not alphabetically (config_dir first), as the strategy form and its docs list them."""
    settings = load_settings(demo_config())
    conductor = Conductor(settings, recorder_in(tmp_path), SshPool(settings.inventory.ssh))
    try:
        conductor.open_incident("order", "inc-order")
        conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout errors")
        conductor.select(["web"])
        conductor.choose_strategy("config-restore", {"revision": "r41"})
    finally:
        await conductor.shutdown()
        conductor.recorder.close()
    chosen = next(
        e for e in read_journal(tmp_path / JOURNAL_NAME).events if e.kind == Kind.STRATEGY_CHOSEN
    )
    declared = [p.name for p in settings.strategy("config-restore").params]
    said = describe(chosen)
    assert [said.index(f"{name}=") for name in declared] == sorted(
        said.index(f"{name}=") for name in declared
    ), said
