"""Helpers for the live UI tests: settings with chosen triggers, and fixed probe readings."""

from __future__ import annotations

from console.engine.watcher import Watcher
from console.model.clock import FixedClock
from console.model.settings import Settings
from console.model.watch import HostValue, ProbeSample, aggregate, probe_key
from tests.test_ui_support import START

# The demo fleet's bad release, as fixed numbers: web is failing, api and db are fine.
BAD_RELEASE = {
    "web/error-rate": 0.31,
    "web/p99-latency": 2400.0,
    "api/error-rate": 0.01,
    "api/auth-failures": 0.0,
    "db/error-rate": 0.02,
    "db/row-drift": 0.0,
    "db/rollback-target": "ok",
}


def only_triggers(settings: Settings, **triggers: dict) -> Settings:
    """The settings keeping only the named triggers (dashes as underscores), changed."""
    data = settings.dumped()
    wanted = {name.replace("_", "-"): change for name, change in triggers.items()}
    kept = [t for t in data["triggers"]["triggers"] if t["name"] in wanted]
    for trigger in kept:
        trigger.update(wanted[trigger["name"]])
    data["triggers"]["triggers"] = kept
    return Settings.validated(data)


def with_waves(
    settings: Settings, size: int, max_fail_percentage: float | None, confirm: bool = False
) -> Settings:
    data = settings.dumped()
    for strategy in data["strategies"]:
        if strategy["name"] == "version-rollback":
            strategy["waves"] = {"size": size, "confirm": confirm}
            strategy["max_fail_percentage"] = max_fail_percentage
    return Settings.validated(data)


class FixedSampler:
    """Stands in for the engine's Sampler: the same value on every host, no network."""

    def __init__(self, values: dict[str, float | str]):
        self.values = values
        self.clock = FixedClock(START)

    async def sample(self, system, probe, targets) -> ProbeSample:
        value = self.values.get(probe_key(system, probe.name))
        hosts = tuple(HostValue(t.name, value) for t in targets)
        combined, state = aggregate(probe, list(hosts), probe.threshold)
        at = self.clock.now()
        return ProbeSample(probe.name, system, at, combined, state, probe.threshold, hosts)


async def fixed_rounds(watcher: Watcher, rounds: int, values=BAD_RELEASE) -> None:
    """Feed `rounds` rounds of fixed readings through the watcher's real evaluation."""
    watcher.sampler = FixedSampler(values)
    for _ in range(rounds):
        await watcher.round()
