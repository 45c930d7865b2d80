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


def test_a_trigger_firing_beside_the_declared_one_is_its_evidence_not_untaken(tmp_path):
    """On the demo, `run --trigger auto` takes the error threshold, the latency trigger
    firing at the same time as its evidence ("also firing: Performance degradation ...",
    its samples listed); the list of firings said of it "not taken up"."""
    from console.cli import main
    from console.journal.export import EXPORT_FORMATS

    argv = ["run", "--demo", "--systems", "web", "--strategy", "version-rollback"]
    argv += ["--trigger", "auto", "--yes", "--quiet", "--journal", str(tmp_path / "j")]
    assert main(argv) == 0
    events = read_journal(tmp_path / "j" / JOURNAL_NAME).events
    document = EXPORT_FORMATS["markdown"].render(list(events), False)
    details = document.split("## Trigger event details", 1)[1].split("\n## ", 1)[0]
    assert "also firing: Performance degradation beyond limits" in details
    assert "not taken up" not in details, details
    assert (
        "Performance degradation beyond limits (web/p99-latency, policy propose): evidence of"
        " the declared trigger (firing at the same time)" in details
    ), details
