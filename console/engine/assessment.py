"""A step's stdout collected per host while it runs, and the `key=value` lines in it
journalled as an assessment (before the rollback, and again once stability is verified)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from console.model.events import Event, Kind
from console.model.payloads import CommandOutput
from console.model.status import HostStatus

if TYPE_CHECKING:
    from console.engine.run_plan import HostOutcome
    from console.journal.recorder import Recorder

PAIR = re.compile(r"^\s*([A-Za-z0-9_.-]+)=(.*)$")


class Collector:
    """The `key=value` lines of one step's stdout, per host, while it runs: those alone
    (the rest held here kept a long run's every line in memory, issue 18)."""

    def __init__(self, recorder: Recorder, step: str):
        self.recorder, self.step = recorder, step
        self.lines: dict[str, list[str]] = {}

    def __enter__(self) -> Collector:
        self._stop = self.recorder.subscribe(self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def _on(self, event: Event) -> None:
        output = event.data
        if not isinstance(output, CommandOutput) or output.stream != "stdout":
            return
        if event.where.step == self.step and event.where.host:
            pairs = [line for line in output.lines if PAIR.match(line)]
            if pairs:
                self.lines.setdefault(event.where.host, []).extend(pairs)


def record_assessment(
    recorder: Recorder,
    step: str,
    outcomes: dict[str, HostOutcome],
    lines: dict[str, list[str]],
    stage: str = "before",
) -> None:
    """Journal the `key=value` lines each host printed as an assessment: `before` the
    rollback (the assessment step), or `after` it (read again once stability is verified)."""
    done = sorted(h for h, o in outcomes.items() if o.status is HostStatus.SUCCEEDED)
    hosts: dict[str, dict[str, str]] = {}
    keys: list[str] = []
    for host in done:
        pairs = [m.groups() for m in map(PAIR.match, lines.get(host, [])) if m]
        hosts[host] = {k: v.strip() for k, v in pairs}
        keys += [k for k, _ in pairs if k not in keys]
    failed = sorted(set(outcomes) - set(done))
    recorder.record(
        Kind.ASSESSMENT_RECORDED, step=step, hosts=hosts, keys=keys, failed=failed, stage=stage
    )
