"""The watch: probes sampled on their intervals, automatic triggers evaluated, firings
and countdowns announced, samples journalled thinned when an incident is attached."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from console.engine.probes import Sampler
from console.engine.reading import Reading
from console.engine.ssh import SshPool
from console.engine.targets import Target, targets_for
from console.model.auto_triggers import AutoTrigger
from console.model.clock import Clock, SystemClock
from console.model.events import Kind
from console.model.probe_text import sample_text
from console.model.probes import BadWhen, Probe
from console.model.settings import Settings
from console.model.triggers import PRECEDENCE
from console.model.watch import ProbeSample, Streak, Thinner, held, judged, probe_key

if TYPE_CHECKING:  # the recorder and the state's fold load with the first incident
    from console.journal.recorder import Recorder


def _samples(count: int) -> str:
    return f"{count} bad samples in a row" if count > 1 else "1 bad sample"


@dataclass(frozen=True)
class Firing:
    """An automatic trigger that reached its consecutive bad samples, with the evidence."""

    trigger: AutoTrigger
    evidence: tuple[ProbeSample, ...]
    fired_at: datetime
    probe: Probe | None = None

    @property
    def sample(self) -> ProbeSample:
        return self.evidence[-1]

    @property
    def reason(self) -> str:
        """What fired, in the probe table's terms: `api/error-rate = 0.22 > 0.1 (the
        trigger's level; the probe is bad > 0.05), 3 bad samples in a row`."""
        t, s, p = self.trigger, self.sample, self.probe
        unit = f" {p.unit}" if p and p.unit else ""
        value = f"{s.value:g}" if isinstance(s.value, float) else s.value
        vote = p is not None and (shown := sample_text(p, s)).endswith(" bad")
        if vote:  # `5/5 bad`, as the table says: `= 5 > 0.05` read as a reading
            value, unit = shown, ""
        level = ""
        if s.threshold is not None and not vote:
            sign = "<" if p and p.bad_when is BadWhen.BELOW else ">"
            level = f" {sign} {s.threshold:g}{unit}"
            if p and p.threshold is not None and p.threshold != s.threshold:
                level += f" (the trigger's level; the probe is bad {sign} {p.threshold:g}{unit})"
        return f"{t.kind.label}: {s.key} = {value}{unit}{level}, {_samples(len(self.evidence))}"

    def as_data(self) -> dict[str, Any]:
        t = self.trigger
        return {
            "trigger": t.name,
            "kind": t.kind.value,
            "label": t.kind.label,
            "probe": probe_key(t.system, t.probe),
            "threshold": self.sample.threshold,
            "consecutive": t.consecutive,
            "policy": t.policy.value,
            "fired_at": self.fired_at.isoformat(),
            "reason": self.reason,
            "evidence": self.evidence_data(),
        }

    def evidence_data(self) -> list[dict[str, Any]]:
        return [s.as_data() for s in self.evidence]


def record_firing(recorder: Recorder, firing: Firing) -> None:
    """Journal the firing in the incident unless the watcher already did."""
    fired_at = firing.fired_at.isoformat()
    seen = any(
        f.get("trigger") == firing.trigger.name and f.get("fired_at") == fired_at
        for f in recorder.state.firings
    )
    if not seen:
        recorder.record(Kind.TRIGGER_FIRED, system=firing.trigger.system, **firing.as_data())


def with_others(firing: Firing, others: list[Firing]) -> tuple[str, list[dict[str, Any]]]:
    """The reason and evidence of `firing` when `others` fired too: theirs are added as
    evidence, and the reason names them."""
    reason = firing.reason
    if others:
        names = ", ".join(f"{o.trigger.kind.label} ({o.trigger.name})" for o in others)
        reason += f"; also firing: {names}"
    return reason, [*firing.evidence_data(), *(s for o in others for s in o.evidence_data())]


@dataclass
class Countdown:
    """An `auto` trigger counting down; `reason` says why it did not start the procedure:
    someone stopped it, or it elapsed while a person was at the console."""

    firing: Firing
    seconds: float
    started: datetime
    deadline: datetime
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    reason: str = ""
    elapsed: bool = False  # and started the procedure
    mono: float | None = None  # the monotonic clock when it began

    def remaining(self, clock: Clock) -> float:
        """Seconds left, on the monotonic clock: NTP stepping the wall clock back an hour
        read 'AUTO-ROLLBACK IN 3630 s' half a minute before it started."""
        if self.mono is None:
            return (self.deadline - clock.now()).total_seconds()
        return self.seconds - (clock.monotonic() - self.mono)


@dataclass(frozen=True)
class WatchUpdate:
    """What a listener is told: `what` is sampled, fired, countdown.started,
    countdown.stopped, countdown.elapsed or soak; the other fields as they apply."""

    what: str
    sample: ProbeSample | None = None
    firing: Firing | None = None
    countdown: Countdown | None = None
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[WatchUpdate], None]


class Watcher:
    """Samples every probe of the chosen systems; the one engine API for watching."""

    def __init__(
        self,
        settings: Settings,
        pool: SshPool,
        *,
        clock: Clock | None = None,
        recorder: Recorder | None = None,
        systems: list[str] | None = None,
    ):
        self.settings = settings
        self.clock = clock or SystemClock()
        self.sampler = Sampler(pool, self.clock)
        self.recorder = recorder
        # A probe reading each host reads these only, when set (an incident's selection).
        self.hosts: frozenset[str] = frozenset()
        options = settings.triggers.watch
        self._thinner = Thinner(options.journal_every)
        self._listeners: list[Listener] = []
        self._stop = asyncio.Event()
        self.countdown: Countdown | None = None
        self.firings: dict[str, Firing] = {}  # the latest firing of each trigger
        self.readings: dict[str, Reading] = {}
        for system in settings.inventory.systems:
            if systems and system.name not in systems:
                continue
            for probe in system.probes:
                reading = Reading(system.name, probe, deque(maxlen=options.history))
                reading.streaks = [
                    Streak(t)
                    for t in settings.triggers.triggers
                    if t.system == system.name and t.probe == probe.name
                ]
                self.readings[reading.key] = reading

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def attach(self, recorder: Recorder | None) -> None:
        """Journal samples and firings into this incident from now on (None: stop). A
        journal attached anew first gets the samples `held` keeps: an unchanged
        state would otherwise leave it without the probes' state at its start. A
        trigger that fired there fires again only after a healthy sample (Streak.quiet):
        seen, a resumed console proposed the firing its incident was declared from."""
        if recorder is self.recorder:
            return
        self.recorder = recorder
        fired = {f.get("trigger") for f in recorder.state.firings} if recorder else set()
        for reading in self.readings.values():
            for streak in reading.streaks:
                if streak.trigger.name in fired:
                    streak.fired_before()
            for sample in held(reading.history):
                self._record(
                    Kind.PROBE_SAMPLE, system=reading.system, journalled="held", **sample.as_data()
                )
                self._thinner.start_from(sample)

    def leave_triggers(self) -> None:
        """Sample for the soak and the waves only, judging no trigger: the console's own
        watcher judges them on these probes and proposes each firing (seen: one bad run
        recorded as two firings, the second never proposed, "neither merged nor dismissed")."""
        for reading in self.readings.values():
            reading.streaks = []

    def emit(self, update: WatchUpdate) -> None:
        for listener in list(self._listeners):
            listener(update)

    def _record(self, event: Kind, /, system: str | None = None, **data: Any) -> None:
        if self.recorder is not None:
            self.recorder.record(event, system=system, **data)

    def keys_for(self, systems: list[str]) -> list[str]:
        return [k for k, r in self.readings.items() if r.system in systems]

    # -- sampling -------------------------------------------------------------

    async def round(
        self, keys: list[str] | None = None, journalled: str | None = None
    ) -> list[ProbeSample]:
        """Sample the given probes (all by default) once, concurrently, and evaluate;
        `journalled` journals every sample, saying why (else one in `journal_every`)."""
        chosen = [self.readings[k] for k in (keys if keys is not None else self.readings)]
        return list(await asyncio.gather(*(self._sample(r, journalled) for r in chosen)))

    async def first_readings(self, keys: list[str]) -> None:
        """Read once, unjudged and unrecorded, the probes among `keys` that judge later
        readings by their first (a drill reads them before its faults, for them to see)."""
        chosen = [self.readings[k] for k in keys if self.readings[k].probe.reads_against_its_first]
        await asyncio.gather(
            *(self.sampler.sample(r.system, r.probe, self._targets(r)) for r in chosen)
        )

    def _targets(self, reading: Reading) -> list[Target]:
        names = [h.name for h in self.settings.inventory.system(reading.system).hosts]
        if self.hosts and reading.probe.per_host:  # an incident's: the hosts it chose
            names = [n for n in names if n in self.hosts] or names
        return targets_for(self.settings.inventory, names)

    async def _sample(self, reading: Reading, journalled: str | None = None) -> ProbeSample:
        sample = await self.sampler.sample(reading.system, reading.probe, self._targets(reading))
        reading.history.append(sample)
        why = journalled or self._thinner.keep(sample)
        if journalled:  # what is thinned next goes from this one
            self._thinner.start_from(sample)
        if why:
            self._record(
                Kind.PROBE_SAMPLE, system=reading.system, journalled=why, **sample.as_data()
            )
        self.emit(WatchUpdate("sampled", sample=sample))
        for streak in reading.streaks:
            seen = judged(reading.probe, sample, streak.trigger)
            if streak.observe(seen, seen.state):
                bad = tuple(streak.bad)
                self._fire(Firing(streak.trigger, bad, self.clock.now(), reading.probe))
        return sample

    def _fire(self, firing: Firing) -> None:
        self.firings[firing.trigger.name] = firing
        self._record(Kind.TRIGGER_FIRED, system=firing.trigger.system, **firing.as_data())
        self.emit(WatchUpdate("fired", firing=firing))

    def firing(self, systems: list[str] | None = None) -> Firing | None:
        """The trigger to take among those firing now on these systems (by precedence)."""
        found = self.firing_now(systems)
        return found[0] if found else None

    def firing_now(self, systems: list[str] | None = None) -> list[Firing]:
        """Every trigger firing now on these systems: by PRECEDENCE of kind, then in
        configuration order."""
        found = [
            self.firings[streak.trigger.name]
            for reading in self.readings.values()
            if not systems or reading.system in systems
            for streak in reading.streaks
            if streak.fired
        ]
        return sorted(found, key=lambda f: PRECEDENCE.index(f.trigger.kind))

    def blind(self, systems: list[str] | None = None) -> list[tuple[AutoTrigger, ProbeSample]]:
        """The triggers on `systems` blind now (Streak.blind), each with its round judged."""
        return [
            (streak.trigger, seen)
            for reading in self.readings.values()
            if reading.last is not None and (not systems or reading.system in systems)
            for streak in reading.streaks
            if (seen := streak.blind(reading.probe, reading.last)) is not None
        ]

    async def until_fired(
        self, systems: list[str] | None = None, max_rounds: int | None = None
    ) -> Firing | None:
        """Sample round after round until a trigger fires on `systems`, at most
        `max_rounds` rounds (default: enough for the longest consecutive limit)."""
        keys = self.keys_for(systems) if systems else list(self.readings)
        limits = [s.trigger.consecutive for k in keys for s in self.readings[k].streaks]
        if not limits:
            return None
        for index in range(max_rounds or max(limits)):
            if index:
                await self.pause(min(self.readings[k].probe.interval for k in keys))
            await self.round(keys)
            if found := self.firing(systems):
                return found
        return None

    async def watch(self, max_rounds: int | None = None) -> None:
        """Each probe on its own interval until stop() (or `max_rounds` samples each)."""
        self._stop.clear()

        async def loop(reading: Reading) -> None:
            count = 0
            while not self._stop.is_set() and (max_rounds is None or count < max_rounds):
                if count:
                    await self.pause(reading.probe.interval)
                if self._stop.is_set():
                    return
                await self._sample(reading)
                count += 1

        await asyncio.gather(*(loop(r) for r in self.readings.values()))

    async def pause(self, seconds: float, wake: asyncio.Event | None = None) -> None:
        """Wait `seconds`, or less if the watch is stopped (or `wake` is set)."""
        waits = [asyncio.ensure_future(e.wait()) for e in (self._stop, wake) if e is not None]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    def stop(self) -> None:
        self._stop.set()

    # -- the countdown of an `auto` trigger -----------------------------------

    async def run_countdown(
        self, firing: Firing, hold: Callable[[], str] | None = None
    ) -> Countdown:
        """Count down the trigger's seconds. It `elapsed` if nobody stopped it and `hold()`
        (asked at the deadline) gave no reason to wait for a person; else its `reason`
        says why not. Nothing is journalled here: the outcome's record is."""
        if self.countdown is not None:
            raise RuntimeError("a countdown is already running")
        seconds = firing.trigger.countdown_seconds
        now = self.clock.now()
        deadline = now + timedelta(seconds=seconds)
        countdown = Countdown(firing, seconds, now, deadline, mono=self.clock.monotonic())
        self.countdown = countdown
        try:
            self.emit(WatchUpdate("countdown.started", firing=firing, countdown=countdown))
            try:
                await asyncio.wait_for(countdown.stopped.wait(), seconds)
            except TimeoutError:
                countdown.reason = hold() if hold else ""
                countdown.elapsed = not countdown.reason
            what = "countdown.elapsed" if countdown.elapsed else "countdown.stopped"
            self.emit(WatchUpdate(what, firing=firing, countdown=countdown))
            return countdown
        finally:
            self.countdown = None

    def stop_countdown(self, reason: str) -> Countdown:
        """Stop the running countdown (anyone may), always with a reason."""
        reason = reason.strip()
        if not reason:
            raise ValueError("stopping the countdown needs a reason")
        countdown = self.countdown
        if countdown is None or countdown.stopped.is_set():
            raise ValueError("no countdown is running")
        countdown.reason = reason
        countdown.stopped.set()
        return countdown
