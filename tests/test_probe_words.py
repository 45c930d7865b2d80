"""A probe's problems in words name a few hosts and count the rest: at 200 hosts a halt's
reason (and each host not started, which repeats it) named every bad host, thousands of
characters cut on every screen. The record keeps every host's value."""

from collections import deque
from datetime import UTC, datetime

from console.engine.probe_report import host_problems, sample_said
from console.engine.reading import Reading
from console.model.probes import Probe
from console.model.watch import HostValue, ProbeSample, SampleState


def _reading(hosts: list[HostValue]) -> tuple[Reading, ProbeSample]:
    probe = Probe.validated(
        dict(name="errors", kind="command", command="cat errors", threshold=0.05)
    )
    sample = ProbeSample(
        "errors", "web", datetime(2026, 12, 4, tzinfo=UTC), 0.31, SampleState.BAD, 0.05,
        tuple(hosts),
    )  # fmt: skip
    return Reading("web", probe, deque([sample])), sample


def test_two_hundred_bad_hosts_are_said_as_four_and_a_count() -> None:
    reading, sample = _reading([HostValue(f"web-{n}", 0.31) for n in range(1, 201)])
    said = sample_said(reading, sample)
    named = "web-1 0.31, web-2 0.31, web-3 0.31, web-4 0.31, +196 more"
    assert said == f"web/errors = 0.31 (bad > 0.05), bad on {named}", said


def test_errors_are_named_three_at_most_and_a_few_hosts_are_all_named() -> None:
    down = [HostValue(f"web-{n}", None, error="exit 255: connection refused") for n in (1, 2, 3, 4)]
    reading, sample = _reading([*down, HostValue("web-5", 0.31), HostValue("web-6", 0.01)])
    assert host_problems(reading, sample) == [
        "web-1: exit 255: connection refused",
        "web-2: exit 255: connection refused",
        "+2 more in error",
        "bad on web-5 0.31",
    ]


def test_a_host_printing_the_word_bad_is_named_once() -> None:
    """A status-word probe read `bad on edge-2 bad` in a held rollout's banner."""
    probe = Probe.validated(dict(name="health", kind="command", command="cat health"))
    hosts = (HostValue("edge-1", "degraded"), HostValue("edge-2", "BAD"), HostValue("edge-3", "ok"))
    sample = ProbeSample(
        "health", "edge", datetime(2026, 12, 4, tzinfo=UTC), 2.0, SampleState.BAD, None, hosts
    )
    reading = Reading("edge", probe, deque([sample]))
    said = sample_said(reading, sample)
    assert said == 'edge/health = 2/3 bad, bad on edge-1 "degraded", edge-2', said
