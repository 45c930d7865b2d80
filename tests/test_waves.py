"""Waves and the failure threshold: arithmetic, then a halted run on the demo fleet."""

import pytest
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
from console.model.waves import sizes_said, threshold_exceeded, wave_sizes
from console.paths import demo_config
from tests.console_process import console
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
    data = load_settings(demo_config()).dumped()
    for strategy in data["strategies"]:
        if strategy["name"] == "version-rollback":
            strategy["waves"] = {"size": 1}
            strategy["max_fail_percentage"] = 30
    settings = Settings.validated(data)
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
    assert recorder.state.steps["restore"].halted.startswith("1 of 3 hosts had failed")
    assert sorted(recorder.state.steps["restore"].waves) == [1]


def _confirming_waves(settings: Settings) -> Settings:
    data = settings.dumped()
    for strategy in data["strategies"]:
        if strategy["name"] == "version-rollback":
            strategy["waves"] = {"size": 1, "confirm": True}
    return Settings.validated(data)


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
    asked: list[tuple[str, int, int, list[str]]] = []

    async def answer(what: str, done: int, total: int, hosts) -> bool:
        asked.append((what, done, total, list(hosts)))  # hosts: the next wave's
        return done < 2  # yes after the canary, no after the second wave

    ok, recorder = await _restore_web(tmp_path, answer)

    assert asked == [("wave", 1, 3, ["web-2"]), ("wave", 2, 3, ["web-3"])]
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

            async def yes(what: str, done: int, total: int, hosts) -> bool:
                return True

            conductor.confirm_wave = yes
            await conductor.run_step("restore", only_hosts=["web-2", "web-3"])
        finally:
            await conductor.shutdown()
    judged = [e.data.hosts for e in recorder.events if e.kind == Kind.WAVE_PROBED]
    assert judged == [["web-1"], ["web-1", "web-2"]], judged


def test_wave_sizes_in_order_the_last_repeated_as_ansibles_serial():
    assert wave_sizes(7, sizes=[1, "100%"]) == [1, 6]
    assert wave_sizes(20, sizes=[1, 5, "20%"]) == [1, 5, 4, 4, 4, 2]
    assert wave_sizes(7, sizes=[1, 2, "50%"]) == [1, 2, 3, 1]
    assert wave_sizes(3, sizes=[5]) == [3]
    assert wave_sizes(3, sizes=["10%"]) == [1, 1, 1]  # a share is 1 host at least
    assert wave_sizes(0, sizes=[1]) == []


@given(
    st.integers(0, 300),
    st.lists(st.integers(1, 50) | st.integers(1, 100).map("{}%".format), min_size=1, max_size=5),
)
def test_sized_waves_cover_every_host_once(total, sizes):
    planned = wave_sizes(total, sizes=sizes)
    assert sum(planned) == total and all(s > 0 for s in planned)


def test_waves_of_different_sizes_said_in_one_line():
    assert sizes_said([1, 6]) == "2 waves, of 1 and 6 hosts"
    assert sizes_said([1, 5, 20, 20, 20, 20, 14]) == "7 waves, of 1, 5, 20 ×4 and 14 hosts"
    assert sizes_said([3] * 8 + [2]) == "9 waves of 3 hosts, the last of 2"
    # a canary twice, then the rest: "3 waves of 1, 1, 198 host(s)" read as waves of one
    # host and 198 hosts besides (walked on 200 sshd hosts, sizes = [1, 1, "100%"])
    assert sizes_said([1, 1, 198]) == "3 waves, of 1, 1 and 198 hosts"
    assert sizes_said([1, 1, 1]) == "3 waves of 1 host each"
    assert sizes_said([3, 3, 1]) == "3 waves of 3 hosts, the last of 1"


@pytest.mark.parametrize(
    ("written", "said"),
    [
        (
            'sizes = [1, "x"]',
            'waves.sizes[1]: "x" is not a wave size: give a whole number of hosts (1) or a share of them ("25%")',
        ),
        ("sizes = [0]", "waves.sizes[0]: 0 hosts: a wave has 1 at least"),
        (
            "sizes = [1, 2.5]",
            'waves.sizes[1]: 2.5 is not a wave size: give a whole number of hosts (1) or a share of them ("2.5%")',
        ),
        (
            'sizes = [1, "150%"]',
            'waves.sizes[1]: "150%": a share of the hosts is more than 0% and at most 100%',
        ),
        ("sizes = []", 'waves.sizes: give one size at least: [1, "100%"]'),
        (
            'size = 1\nsizes = [1, "100%"]',
            "waves: give one of size, percent or sizes, not size and sizes",
        ),
    ],
)
def test_check_config_names_the_file_line_and_key_of_a_bad_wave_size(tmp_path, written, said):
    """`init`'s configuration, its example strategy's waves edited as the README says."""
    target, strategies, head = _init_with_waves(tmp_path, written)
    line = head.count("\n") + (2 if written.startswith("sizes") else 1)
    checked = console("check-config", str(target))
    assert checked.returncode == 2
    assert checked.stderr == f"error: {strategies}:{line}: strategies[0].{said}\n", checked.stderr
    assert "Traceback" not in checked.stderr


def test_check_config_accepts_init_s_canary_then_the_rest(tmp_path):
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    checked = console("check-config", str(target))
    assert checked.returncode == 0, checked.stderr
    waves = load_settings(target).strategy("version-rollback").waves
    assert waves.plan(7) == [1, 6] and waves.confirm


def _init_with_waves(tmp_path, written: str):
    """`init`'s configuration, its example strategy's `sizes = [1, "100%"]` line replaced by
    `written`: the directory, its strategies.toml and what stands before that line."""
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    strategies = target / "strategies.toml"
    head, tail = strategies.read_text().split('\nsizes = [1, "100%"] ', 1)
    strategies.write_text(head + "\n" + written + "\n" + tail.split("\n", 1)[1])
    return target, strategies, head
