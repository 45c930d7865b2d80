"""One probe as the home screen shows it: its recent samples, its state and each automatic
trigger's streak on it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from console.model.probe_text import plotted, sparkline
from console.model.probes import Probe
from console.model.watch import ProbeSample, Streak, Value, probe_key


@dataclass
class Reading:
    """One probe as the home screen shows it: value, threshold, state, recent samples."""

    system: str
    probe: Probe
    history: deque[ProbeSample]
    streaks: list[Streak] = field(default_factory=list)

    @property
    def key(self) -> str:
        return probe_key(self.system, self.probe.name)

    @property
    def last(self) -> ProbeSample | None:
        return self.history[-1] if self.history else None

    @property
    def state(self) -> str:
        if self.last is None:
            return "not sampled"
        if fired := [s for s in self.streaks if s.fired]:
            # Fired, its probe now reading too little to judge: blind, not firing (seen:
            # `▲ firing` beside `– · 2 not read`, every host's probe failing).
            seeing = any(s.unjudged(self.probe, self.last) is None for s in fired)
            return "firing" if seeing else "blind"
        return self.last.state.value

    @property
    def value(self) -> Value:
        return self.last.value if self.last else None

    def spark(self, width: int = 20) -> str:
        return sparkline(plotted(self.probe, list(self.history)[-width:]), width)

    @property
    def streak(self) -> str:
        """Bad samples towards each trigger, e.g. "2/3"."""
        return ", ".join(f"{s.count}/{s.trigger.consecutive}" for s in self.streaks)
