"""Waves and the failure threshold: arithmetic, then a halted run on the demo fleet."""

from hypothesis import given
from hypothesis import strategies as st

from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.recorder import Recorder
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.settings import Settings
from console.model.state import HostStatus
from console.model.waves import threshold_exceeded, wave_sizes
from console.paths import demo_config
from tests.events_factory import recorder_in


def test_wave_sizes_by_count_and_percentage():
    assert wave_sizes(7) == [7]
    assert wave_sizes(7, size=3) == [3, 3, 1]
    assert wave_sizes(10, percent=25) == [2, 2, 2, 2, 2]
    assert wave_sizes(3, percent=10) == [1, 1, 1]
    assert wave_sizes(0, size=2) == []


@given(st.integers(0, 500), st.integers(1, 50))
def test_waves_cover_every_host_once(total, size):
    sizes = wave_sizes(total, size=size)
    assert sum(sizes) == total and all(0 < s <= size for s in sizes)


@given(st.integers(1, 500), st.floats(0.5, 100))
def test_percentage_waves_cover_every_host(total, percent):
    assert sum(wave_sizes(total, percent=percent)) == total


def test_threshold_is_exceeded_only_strictly_above_the_percentage():
    assert not threshold_exceeded(1, 4, 25)
    assert threshold_exceeded(2, 4, 25)
    assert threshold_exceeded(1, 4, 0)
    assert not threshold_exceeded(4, 4, None)
    assert not threshold_exceeded(4, 4, 100)


@given(st.integers(0, 200), st.integers(1, 200), st.floats(0, 100))
def test_threshold_matches_its_definition(failed, total, pct):
    failed = min(failed, total)
    assert threshold_exceeded(failed, total, pct) == (failed / total * 100 > pct)


def _web_incident(fleet: DemoFleet, tmp_path) -> tuple[Conductor, Recorder]:
    """An incident on web with the version rollback chosen, journalled under tmp_path."""
    recorder = recorder_in(tmp_path / "incident")
    conductor = Conductor(fleet.settings, recorder, SshPool(fleet.settings.inventory.ssh))
    conductor.open_incident("waves", "inc-waves")
    conductor.select(["web"])
    conductor.choose_strategy("version-rollback")
    return conductor, recorder


async def test_a_halted_run_reports_hosts_not_started(tmp_path):
    data = load_settings(demo_config()).model_dump()
    for strategy in data["strategies"]:
        if strategy["name"] == "version-rollback":
            strategy["waves"] = {"size": 1}
            strategy["max_fail_percentage"] = 30
    settings = Settings.model_validate(data)
    async with DemoFleet(settings, [Fault(FaultKind.FAIL, "web-1")]) as fleet:
        conductor, recorder = _web_incident(fleet, tmp_path)
        try:
            assert not await conductor.run_step("restore")
        finally:
            await conductor.shutdown()
    runs = recorder.state.steps["restore"].hosts
    assert runs["web-1"].status is HostStatus.FAILED
    assert runs["web-2"].status is HostStatus.NOT_STARTED
    assert runs["web-3"].status is HostStatus.NOT_STARTED
    halt = next(e for e in recorder.events if e.kind == Kind.RUN_HALTED)
    assert (halt.data.failed, halt.data.total, halt.data.max_fail_percentage) == (1, 3, 30)
    assert not any(
        e.kind == Kind.COMMAND_INTENT and e.where.host in ("web-2", "web-3")
        for e in recorder.events
    )
    assert recorder.state.steps["restore"].halted.startswith("1 of 3 hosts failed")
    assert sorted(recorder.state.steps["restore"].waves) == [1]


def _confirming_waves(settings: Settings) -> Settings:
    data = settings.model_dump()
    for strategy in data["strategies"]:
        if strategy["name"] == "version-rollback":
            strategy["waves"] = {"size": 1, "confirm": True}
    return Settings.model_validate(data)


async def _restore_web(tmp_path, confirm_wave):
    settings = _confirming_waves(load_settings(demo_config()))
    async with DemoFleet(settings) as fleet:
        conductor, recorder = _web_incident(fleet, tmp_path)
        conductor.confirm_wave = confirm_wave
        try:
            ok = await conductor.run_step("restore")
        finally:
            await conductor.shutdown()
    return ok, recorder


async def test_waves_that_ask_stop_after_the_canary_when_nobody_is_asked(tmp_path):
    ok, recorder = await _restore_web(tmp_path, None)

    runs = recorder.state.steps["restore"].hosts
    assert not ok
    assert runs["web-1"].status is HostStatus.SUCCEEDED
    assert runs["web-2"].status is runs["web-3"].status is HostStatus.NOT_STARTED
    assert not any(
        e.kind == Kind.COMMAND_INTENT and e.where.host in ("web-2", "web-3")
        for e in recorder.events
    )
    halt = next(e for e in recorder.events if e.kind == Kind.RUN_HALTED)
    assert halt.data.reason == "wave 2 of 3: nobody to confirm it"


async def test_each_wave_that_asks_waits_for_the_answer(tmp_path):
    asked: list[tuple[str, int, int]] = []

    async def answer(what: str, done: int, total: int) -> bool:
        asked.append((what, done, total))
        return done < 2  # yes after the canary, no after the second wave

    ok, recorder = await _restore_web(tmp_path, answer)

    assert asked == [("wave", 1, 3), ("wave", 2, 3)]
    runs = recorder.state.steps["restore"].hosts
    assert not ok
    assert runs["web-2"].status is HostStatus.SUCCEEDED
    assert runs["web-3"].status is HostStatus.NOT_STARTED
    halt = next(e for e in recorder.events if e.kind == Kind.RUN_HALTED)
    assert halt.data.reason == "wave 3 of 3: not confirmed"


async def test_a_retry_judges_the_hosts_an_earlier_run_changed_too(tmp_path):
    """Halted after the canary, then retried on the hosts not started: the probes after
    the retry's first wave are read on web-1 (changed by the first run) and web-2."""
    settings = _confirming_waves(load_settings(demo_config()))
    async with DemoFleet(settings) as fleet:
        conductor, recorder = _web_incident(fleet, tmp_path)
        try:
            assert not await conductor.run_step("restore")  # nobody to confirm wave 2

            async def yes(what: str, done: int, total: int) -> bool:
                return True

            conductor.confirm_wave = yes
            await conductor.run_step("restore", only_hosts=["web-2", "web-3"])
        finally:
            await conductor.shutdown()
    judged = [e.data.hosts for e in recorder.events if e.kind == Kind.WAVE_PROBED]
    assert judged == [["web-1"], ["web-1", "web-2"]], judged
