"""Dataclasses made with `@dataclass(init=False)` and records.py's defaults (issue 18):
made as the generated `__init__` would make them."""

import dataclasses

from console.model.state import IncidentState, StepState


def test_a_new_state_holds_every_field_at_its_default_each_its_own():
    for made, given in ((IncidentState(), {}), (StepState("restore"), {"id": "restore"})):
        assert set(vars(made)) == {f.name for f in dataclasses.fields(made)}
        for f in dataclasses.fields(made):
            default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
            assert getattr(made, f.name) == given.get(f.name, default), f.name
    one, other = IncidentState(), IncidentState()
    assert one == other and one.steps is not other.steps and one.stars is not other.stars
    one.step("restore").changed.add("web-1")
    assert one != other and StepState("restore").changed == set()
    assert one.step("restore") is one.steps["restore"]
    assert repr(StepState("a")).startswith("StepState(id='a', status=<StepStatus.PENDING")
