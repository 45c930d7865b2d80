"""A drill cut short while its command fault went in names that fault, also after a demo
fault: the fault's step is numbered among command faults alone (`drill-fault-1` is the
first command fault), and the name was read at that number among all the scenario's
faults: a scenario `slow web-1` (demo), then `deploy the bad release` (command), killed
while the second went in, named `slow web-1` NEVER UNDONE on web-2, where the bad release
was. Written through the console's recorder into a journal, read back and folded, as
`resume`, the next drill's refusal and the document read it."""

from __future__ import annotations

from console.journal.store import read_journal
from console.model.drillfold import cut_short
from console.model.events import Kind
from console.model.state import fold
from tests.events_factory import recorder_in

SLOW, DEPLOY = "slow web-1", "deploy the bad release"


def test_the_command_fault_going_in_is_named_after_a_demo_fault(tmp_path):
    recorder = recorder_in(tmp_path)
    recorder.record(Kind.INCIDENT_OPENED, title="drill", incident_id="i-1")
    recorder.record(Kind.DRILL_STARTED, scenario="mixed", faults=[SLOW, DEPLOY])
    recorder.record(Kind.DRILL_FAULT, name=SLOW, hosts=["web-1"], kind="demo")
    step = "drill-fault-1"  # the first command fault: the scenario's second fault
    recorder.record(Kind.STEP_STARTED, step=step, title=f"Drill: inject fault {DEPLOY}")
    recorder.record(
        Kind.COMMAND_INTENT, host="web-2", step=step, command="ln -sfn releases/1.1 current",
        stage="fault",
    )  # fmt: skip
    recorder.close()  # the console killed: no drill.fault for it, no undo

    said = cut_short(fold(read_journal(tmp_path / "journal.jsonl").events))

    # the demo fault, never undone either, then the command fault going in
    assert f"its fault {SLOW} on web-1; {DEPLOY} on web-2 was NEVER UNDONE" in said, said
    assert f"{SLOW} on web-2" not in said, said
