"""Configuration records (console/model/frozen.py, issue 18): triggers.toml's and
drills.toml's tables are frozen dataclasses pydantic validates at load (no model class of
theirs is made: tests/test_config_later.py); made, compared, hashed and copied as a frozen
@dataclass is. Their error lines are the corpus's (tests/config_corpus: soak-*), their
JSON schema the schema's tests'."""

from __future__ import annotations

import dataclasses

import pytest

from console.model.drill_settings import DrillSettings
from console.model.trigger_settings import Soak, TriggerSettings, WatchOptions


def _frozen_twin(cls: type) -> type:
    """`cls`'s fields in a frozen @dataclass of the same name, its methods @dataclass's."""
    fields = [(f.name, f.type, f) for f in dataclasses.fields(cls)]
    twin = dataclasses.make_dataclass(cls.__name__, fields, frozen=True)
    twin.__qualname__ = cls.__qualname__
    return twin


def test_a_record_is_made_compared_and_copied_as_a_frozen_dataclass():
    soak = Soak(samples=5, interval=0.5)
    twin = _frozen_twin(Soak)(samples=5, interval=0.5)
    assert repr(soak) == repr(twin) == "Soak(samples=5, max_samples=None, interval=0.5)"
    assert soak == Soak(samples=5, interval=0.5) and hash(soak) == hash(
        Soak(samples=5, interval=0.5)
    )
    assert soak != Soak() and soak != twin and Soak() == Soak()
    with pytest.raises(dataclasses.FrozenInstanceError):
        soak.samples = 6  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del soak.samples
    assert soak.replace(samples=7) == Soak(samples=7, interval=0.5) and soak.samples == 5
    one, other = TriggerSettings(), TriggerSettings()
    assert one.triggers == [] and one.triggers is not other.triggers  # each its own list
    assert one.soak == Soak() and one.watch == WatchOptions(journal_every=20, history=60)
    with pytest.raises(TypeError, match="has no field sampels"):
        Soak(sampels=3)


def test_a_record_validates_what_a_file_gives_and_nothing_else():
    from pydantic import ValidationError

    drills = DrillSettings.validated({"default": "a", "scenarios": []})
    assert drills == DrillSettings(default="a") and drills.schedule == []
    soak = TriggerSettings.validated({"soak": {"samples": 4}}).soak
    assert soak == Soak(samples=4)
    for bad in ({"samples": True}, {"samples": 2.0}, {"samples": "3"}, {"interval": float("inf")}):
        with pytest.raises(ValidationError):
            Soak.validated(bad)
    with pytest.raises(ValidationError, match="unexpected_keyword_argument"):
        WatchOptions.validated({"histroy": 3})


def test_a_record_held_by_a_model_is_dumped_with_its_holders_options():
    """Seen (the reviewer): `dumped(exclude_none=True)` of an inventory kept each probe
    record's None fields ('url': None, ...), which TOML cannot write; a model's are left out."""
    from console.model.loading import load_settings
    from console.paths import demo_config

    inventory = load_settings(demo_config()).inventory
    probe = inventory.dumped(mode="json", exclude_none=True)["systems"][0]["probes"][0]
    assert None not in probe.values(), probe
    assert "url" in inventory.dumped(mode="json")["systems"][0]["probes"][0]
