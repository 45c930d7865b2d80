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


def _as_dataclass_writes_it(cls: type) -> type:
    """`cls`'s fields in a class of the same name whose `__eq__` and `__repr__` are
    @dataclass's own."""
    fields = [(f.name, f.type, f) for f in dataclasses.fields(cls)]
    twin = dataclasses.make_dataclass(cls.__name__, fields)
    twin.__qualname__ = cls.__qualname__
    return twin


def test_compared_classes_are_equal_and_shown_as_dataclass_writes_them():
    """records.Compared's `__eq__` and `__repr__`, written once rather than compiled class by
    class (~13 M instructions of exec's start, issue 18), say what @dataclass's say."""
    from console.engine.run_plan import HostOutcome, RunPlan
    from console.model.incidentfold import Trigger
    from console.model.state import HostRun
    from console.model.status import HostStatus

    state = IncidentState()
    state.title = "bad deploy"
    step = state.step("restore")
    step.hosts["web-1"] = HostRun("web-1", "web", status=HostStatus.FAILED)
    made = [
        state,
        step,
        step.hosts["web-1"],
        Trigger("error-rate", "Error rate", False, "5xx", "ann", None),
        HostOutcome("web-1", HostStatus.FAILED, exit_status=3),
        RunPlan(),
    ]
    for one in made:
        twin = _as_dataclass_writes_it(type(one))
        values = {f.name: getattr(one, f.name) for f in dataclasses.fields(one)}
        assert repr(one) == repr(twin(**values))
        same = dataclasses.replace(one) if type(one) not in (IncidentState, StepState) else None
        if same is not None:
            assert one == same
        assert one != object() and one.__eq__(object()) is NotImplemented
        assert type(one).__hash__ is None  # unhashable, as a mutable dataclass
    other = IncidentState()
    other.title = "bad deploy"
    other.step("restore").hosts["web-1"] = HostRun("web-1", "web", status=HostStatus.FAILED)
    assert state == other
    other.steps["restore"].hosts["web-1"].exit_status = 1
    assert state != other
