"""Threshold, aggregation, consecutive-sample, thinning and soak logic, property-tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from console.model.auto_triggers import AutoTrigger
from console.model.probe_text import sample_text, sparkline
from console.model.probes import Probe
from console.model.recovery import measure_recovery
from console.model.trigger_settings import TriggerSettings
from console.model.triggers import TriggerKind
from console.model.watch import (
    HostValue,
    ProbeSample,
    SampleState,
    SoakProgress,
    SoakStatus,
    Streak,
    Thinner,
    aggregate,
    parse_value,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATES = st.sampled_from(list(SampleState))


def numeric(aggregate_: str = "max", threshold: float = 0.05, bad_when: str = "above") -> Probe:
    return Probe.validated(
        dict(
            name="p",
            kind="command",
            command="true",
            aggregate=aggregate_,
            threshold=threshold,
            bad_when=bad_when,
        )
    )


def trigger(consecutive: int) -> AutoTrigger:
    return AutoTrigger(
        name="t", kind="error-threshold", system="s", probe="p", consecutive=consecutive
    )


def sample(i: int, state: SampleState) -> ProbeSample:
    return ProbeSample("p", "s", T0 + timedelta(seconds=i), float(i), state, 0.05)


@given(st.lists(STATES, max_size=60), st.integers(1, 6))
def test_streak_fires_exactly_when_k_bad_samples_follow_the_last_healthy(states, k):
    streak = Streak(trigger(k))
    bad_since_healthy = 0
    for i, state in enumerate(states):
        fired = streak.observe(sample(i, state), state)
        if state is SampleState.HEALTHY:
            bad_since_healthy = 0
        elif state is SampleState.BAD:
            bad_since_healthy += 1
        assert fired == (state is SampleState.BAD and bad_since_healthy == k)
        if fired:
            assert len(streak.bad) == k
            assert all(s.state is SampleState.BAD for s in streak.bad)
            assert streak.bad[-1].at == T0 + timedelta(seconds=i)
        assert streak.count <= k


@given(st.lists(st.sampled_from([SampleState.BAD, SampleState.INCONCLUSIVE]), max_size=40))
def test_inconclusive_samples_hold_the_streak_and_never_reset_it(states):
    streak = Streak(trigger(3))
    fired = [streak.observe(sample(i, s), s) for i, s in enumerate(states)]
    assert sum(fired) == (1 if states.count(SampleState.BAD) >= 3 else 0)


def test_fires_again_only_after_a_healthy_sample():
    streak = Streak(trigger(2))
    seq = [SampleState.BAD] * 4 + [SampleState.HEALTHY] + [SampleState.BAD] * 2
    fired = [streak.observe(sample(i, s), s) for i, s in enumerate(seq)]
    assert fired == [False, True, False, False, False, False, True]


hosts_numbers = st.lists(
    st.floats(min_value=0, max_value=10, allow_nan=False), min_size=1, max_size=6
)


@given(hosts_numbers, st.floats(min_value=0, max_value=10, allow_nan=False))
def test_max_and_mean_meet_the_threshold(values, threshold):
    hosts = [HostValue(f"h{i}", v) for i, v in enumerate(values)]
    value, state = aggregate(numeric("max", threshold), hosts, threshold)
    assert value == max(values)
    assert (state is SampleState.BAD) == (max(values) > threshold)
    value, state = aggregate(numeric("mean", threshold), hosts, threshold)
    assert value == pytest.approx(sum(values) / len(values), abs=1e-6)  # rounded to 6 places
    assert (state is SampleState.BAD) == (value > threshold)
    _, below = aggregate(numeric("min", threshold, "below"), hosts, threshold)
    assert (below is SampleState.BAD) == (min(values) < threshold)


@given(hosts_numbers, st.integers(0, 5), st.sampled_from(["max", "mean", "sum", "any", "all"]))
def test_an_error_never_makes_a_round_healthy(values, errors, how):
    hosts = [HostValue(f"h{i}", v) for i, v in enumerate(values)]
    hosts += [HostValue(f"e{i}", None, error="timeout") for i in range(errors)]
    _, state = aggregate(numeric(how, 5.0), hosts, 5.0)
    if errors:
        assert state is not SampleState.HEALTHY


@given(hosts_numbers, st.floats(min_value=0, max_value=10, allow_nan=False))
def test_all_bad_implies_any_bad(values, threshold):
    hosts = [HostValue(f"h{i}", v) for i, v in enumerate(values)]
    _, any_state = aggregate(numeric("any", threshold), hosts, threshold)
    value, all_state = aggregate(numeric("all", threshold), hosts, threshold)
    assert value == sum(1 for v in values if v > threshold)
    if all_state is SampleState.BAD:
        assert any_state is SampleState.BAD
    assert (any_state is SampleState.BAD) == any(v > threshold for v in values)
    assert (all_state is SampleState.BAD) == all(v > threshold for v in values)


def test_status_words_vote_and_no_hosts_is_inconclusive():
    probe = Probe.validated(dict(name="p", kind="command", command="true", aggregate="all"))
    words = [HostValue("a", "healthy"), HostValue("b", "degraded")]
    assert aggregate(probe, words, None) == (1.0, SampleState.HEALTHY)
    assert aggregate(Probe.validated({**probe.dumped(), "aggregate": "any"}), words, None)[1] is (
        SampleState.BAD
    )
    assert aggregate(probe, [], None) == (None, SampleState.INCONCLUSIVE)
    assert parse_value(" 0.25\n") == 0.25 and parse_value("OK") == "OK" and parse_value("") is None


def test_a_vote_is_shown_as_bad_hosts_and_a_number_as_itself():
    def shown(probe: Probe, hosts: list[HostValue]) -> str:
        value, state = aggregate(probe, hosts, probe.threshold)
        return sample_text(probe, ProbeSample("p", "s", T0, value, state, None, tuple(hosts)))

    words = Probe.validated(dict(name="p", kind="command", command="true"))
    up = [HostValue("a", "ok"), HostValue("b", "down"), HostValue("c", None, error="timeout")]
    assert shown(words, up) == "1/2 bad"
    assert shown(words, [HostValue("a", "ok")]) == "1/1 ok"
    latency = Probe.validated(
        dict(name="p", kind="command", command="true", threshold=900, unit="ms")
    )
    assert shown(latency, [HostValue("a", 420.0), HostValue("b", 610.0)]) == "610 ms"
    assert sample_text(latency, None) == "–"


@given(st.lists(STATES, max_size=80), st.integers(1, 10))
def test_thinner_keeps_every_change_and_bounds_the_rest(states, every):
    thinner = Thinner(every)
    kept, previous, gap = [], None, 0
    for i, state in enumerate(states):
        why = thinner.keep(sample(i, state))
        if state is not previous:
            assert why == "change"
        gap = 0 if why else gap + 1
        assert gap < every
        kept.append(why)
        previous = state
    changes = sum(1 for i, s in enumerate(states) if i == 0 or s is not states[i - 1])
    assert sum(1 for k in kept if k) <= changes + len(states) // every


@given(st.lists(STATES, min_size=1, max_size=30), st.integers(1, 5), st.integers(0, 5))
def test_soak_passes_only_on_a_healthy_run_within_the_limit(states, needed, extra):
    limit = needed + extra
    progress = SoakProgress(needed=needed, limit=limit)
    fed = 0
    for state in states:
        if progress.observe({"s/p": state}) is not SoakStatus.WAITING:
            fed = progress.rounds
            break
    else:
        fed = progress.rounds
    assert progress.rounds <= limit
    window = states[:fed]
    has_run = any(
        all(s is SampleState.HEALTHY for s in window[i : i + needed])
        for i in range(len(window) - needed + 1)
    )
    assert (progress.status is SoakStatus.PASSED) == has_run
    if progress.status is SoakStatus.FAILED:
        assert fed <= limit and not has_run


def test_soak_needs_every_probe_healthy():
    progress = SoakProgress(needed=1, limit=2)
    progress.observe({"a": SampleState.HEALTHY, "b": SampleState.INCONCLUSIVE})
    assert progress.status is SoakStatus.WAITING and "b inconclusive" in progress.detail
    assert progress.observe({}) is SoakStatus.FAILED


def test_recovery_verdict_against_rto():
    assert measure_recovery("web", T0, T0 + timedelta(minutes=9), 15).verdict == "within target"
    late = measure_recovery("web", T0, T0 + timedelta(minutes=16), 15)
    assert (late.seconds, late.verdict) == (960.0, "target exceeded")
    assert measure_recovery("web", T0, T0, None).verdict == "no target"


def test_sparkline_scales_and_gaps():
    assert sparkline([0.0, 5.0, 10.0, None, "x"]) == "▁▄█  "
    assert sparkline([None, None]) == "  "


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "p", "kind": "command"}, "needs command"),
        ({"name": "p", "kind": "log", "path": "/x"}, "needs pattern"),
        ({"name": "p", "kind": "log", "path": "/x", "pattern": "("}, "not a regular expression"),
        ({"name": "p", "kind": "checksum"}, "either path or command"),
        ({"name": "p", "kind": "http", "url": "ftp://x"}, "http://"),
    ],
)
def test_probe_config_errors_say_what_is_missing(data, message):
    with pytest.raises(ValidationError, match=message):
        Probe.validated(data)


def test_trigger_config_refuses_manual_kinds_and_duplicates():
    with pytest.raises(ValidationError, match="manual trigger"):
        AutoTrigger(name="t", kind=TriggerKind.USER_IMPACT, system="s", probe="p")
    with pytest.raises(ValidationError, match="used twice"):
        TriggerSettings.validated({"triggers": [trigger(1).model_dump()] * 2})
    assert trigger(1).policy == "propose"


def test_soak_passes_when_its_last_allowed_round_completes_the_run():
    progress = SoakProgress(needed=2, limit=2)
    assert progress.observe({"s/p": SampleState.HEALTHY}) is SoakStatus.WAITING
    assert progress.observe({"s/p": SampleState.HEALTHY}) is SoakStatus.PASSED
