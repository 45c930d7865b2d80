"""The one way facts enter an incident: stamp, redact, append, fold, notify."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.journal.event_log import EventLog, read_log
from console.journal.files import JOURNAL_NAME, OUTPUT_NAME
from console.journal.redact import Redactor
from console.journal.store import Progress, compact_data
from console.journal.writer import JournalWriter
from console.model import payloads
from console.model.clock import Clock
from console.model.event_kinds import UNSYNCED_KINDS
from console.model.events import Actor, Event, Kind, Where
from console.model.payloads import KINDS, Payload, payload_model
from console.model.state import IncidentState, fold

Listener = Callable[[Event], None]
# An fsync running longer than this (a journal on a slow disk) holds back no more of what is
# written meanwhile: a host's output froze on screen and headless for as long as the fsync
# of another's intent took (1 s: 1 s without a line, bench in the commit). What it covers
# is told too, in seq order (each host's command still waits for it: write-ahead); a faster
# one tells them once their hosts have gone on, as `sync` says.
SLOW_FSYNC = 0.1  # seconds


class Recorder:
    """Owns the incident's journal and its folded state, and tells listeners.

    Output and deferred actions are held and written at the end of the loop iteration
    that recorded them, one write per file (a burst of 200 hosts' output was 600 writes,
    each a wait for the interpreter's lock on a busy console: bench/RESULTS.md). An event
    is in `events` and `state`, and listeners hear of it, only once it is written, in the
    order of its `seq`: whatever shows it can be lost by no crash of this process.
    `events` holds the actions; output is read back from its file (event_log.py)."""

    def __init__(
        self,
        writer: JournalWriter,
        clock: Clock,
        actor: Actor,
        redactor: Redactor | None = None,
        history: EventLog | None = None,
        state: IncidentState | None = None,
    ):
        """`history`: the journal's events so far (read_log), its output placed in the
        writer's output file; `state`, if given, is `history` folded already."""
        self.writer = writer
        self.clock = clock
        self.actor = actor
        self.redactor = redactor or Redactor()
        output = writer.path.with_name(OUTPUT_NAME)
        self.events = history if history is not None else EventLog(output)
        self.state: IncidentState = state if state is not None else fold(self.events)
        self._listeners: list[Listener] = []
        self._last_seq = self.state.last_seq  # given; the state folds it once written
        # the events after it are this process's: their monotonic times are its clock's
        self.opened_seq = self._last_seq
        self._synced_seq = self._last_seq
        # Those waiting in `sync`, each with the seq it waits for; whether an fsync is due
        # or running (one at a time: the next covers whoever came meanwhile).
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._fsyncing = False
        self._fsync_began = 0.0  # the loop's time when the running (or due) fsync began
        self._tell_due = False  # a telling is due once the running fsync turns slow
        # To be written at the end of this loop iteration, each with where output starts
        # in the output file.
        self._held: list[tuple[Event, int | None]] = []
        self._flush_due = False
        self._failure: OSError | None = None  # that write's, raised by the next record
        self._untold: deque[tuple[Event, int | None]] = deque()  # written; to be told, in order
        self._telling = False
        # Frozen, and the same on most events: built once each (the write path is hot:
        # two events per host and step).
        self._wheres: dict[tuple[str | None, str | None, str | None], Where] = {}
        self._whos: dict[str, tuple[Actor, Actor]] = {}  # commander: (actor, who)

    @property
    def path(self) -> Path:
        return self.writer.path

    @classmethod
    def open(
        cls,
        directory: Path,
        clock: Clock,
        actor: Actor,
        redactor: Redactor | None = None,
        progress: Progress | None = None,
    ) -> Recorder:
        """Open (or create) the journal in an incident directory, folding what it holds;
        `progress` hears how far the reading is (a long journal takes seconds)."""
        path = directory / JOURNAL_NAME
        writer = JournalWriter(path)  # first: what is read is then all there will be
        if writer.empty:
            return cls(writer, clock, actor, redactor)
        try:
            read = read_log(path, progress)
        except BaseException:
            writer.close()
            raise
        return cls(writer, clock, actor, redactor, read.log, read.state)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def record(
        self,
        kind: Kind | str | Payload,
        /,
        *,
        system: str | None = None,
        host: str | None = None,
        step: str | None = None,
        **data: Any,
    ) -> Event:
        """Append one event, fold it, then notify: an action is written and fsync'd now;
        output is held (see the class). Its data: the payload given, or the kind and the
        payload's keys (checked by its model). Recorded by a listener, it is folded and
        told after the event that listener hears of."""
        return self._record(kind, self._where(system, host, step), data, True)

    def record_deferred(
        self,
        kind: Kind | str | Payload,
        /,
        *,
        system: str | None = None,
        host: str | None = None,
        step: str | None = None,
        **data: Any,
    ) -> Event:
        """Hold one event, written at the end of this loop iteration without its fsync:
        `await sync()` before relying on it. Hosts that start together then share one
        write and one fsync (group commit)."""
        return self._record(kind, self._where(system, host, step), data, False)

    async def sync(self, tell: bool = True) -> None:
        """Every event recorded so far is on disk when this returns; callers that arrive
        while an fsync runs share the next one. What it covers is folded and told before
        it returns (the state read next has it: a step's summary read 'stopped between
        its waves: 1 succeeded' of its 6 hosts just recorded not started), but with `tell`
        False: a step's hosts, whose intents are told once they have gone on (their
        commands sent first; in the loop turn after the fsync)."""
        if self._failure is not None:
            raise self._failure
        target = self._last_seq
        if self._synced_seq < target:
            await self._synced_to(target)
        if tell:
            self._tell_untold()

    async def _synced_to(self, target: int) -> None:
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._waiters.append((target, waiter))
        if not self._fsyncing:
            self._fsyncing, self._fsync_began = True, loop.time()
            # A loop iteration later than its first caller: the events held by the hosts
            # starting in the same iteration are written and fsync'd together.
            loop.call_soon(self._fsync)
        await waiter

    def _fsync(self) -> None:
        """Write what is held and fsync it in a thread, which wakes the waiters it covers
        in one loop turn (bench/HISTORY.md, "A step more at 200 hosts, step by step": a
        task, its thread's future and a shield took four turns back, each slow while 200
        hosts' packets come in)."""
        with contextlib.suppress(OSError):  # kept as `_failure`
            self._write_held()
        if self._failure is not None:  # what was held is lost: never counted as synced
            self._synced(self._synced_seq, self._failure)
            return
        upto = self._last_seq
        loop = asyncio.get_running_loop()
        self._fsync_began = loop.time()

        def durable() -> None:
            failed: BaseException | None = None
            try:
                self.writer.fsync()
            except BaseException as exc:  # any: its waiters hear it, none waits forever
                failed = exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._synced, upto, failed)

        loop.run_in_executor(None, durable)

    def _synced(self, upto: int, failed: BaseException | None) -> None:
        """An fsync ended: wake those it covered (or tell each its failure); fsync again
        at once for those who recorded after it began."""
        self._fsyncing = False
        if failed is None:
            self._synced_seq = max(self._synced_seq, upto)
        waiting, self._waiters = self._waiters, []
        for target, waiter in waiting:
            if waiter.done():  # its caller was cancelled
                continue
            if failed is not None:
                waiter.set_exception(failed)
            elif target <= self._synced_seq:
                waiter.set_result(None)
            else:
                self._waiters.append((target, waiter))
        if self._waiters:
            self._fsyncing = True
            self._fsync()
        # Told after the waiters' tasks have run on (a step's first commands on their way:
        # the hosts start while the client folds and prints the intents), before anything
        # recorded after them.
        asyncio.get_running_loop().call_soon(self._tell_untold)

    def _record(
        self, given: Kind | str | Payload, where: Where, data: dict[str, Any], sync: bool
    ) -> Event:
        payload = self._payload(given, data)
        if self._failure is not None:
            raise self._failure
        now = sync and payload.KIND not in UNSYNCED_KINDS  # an action relied on at once
        if now:
            self._write_held()  # on disk in the order of their seqs
        # The commander in charge; a declaration's event carries the one it names (its
        # model named only for one: built with its family when first needed).
        named = None
        if payload.KIND == Kind.TRIGGER_DECLARED and isinstance(payload, payloads.TriggerDeclared):
            named = payload.commander
        commander = named or self.state.commander
        event = Event.built(
            self._last_seq + 1,
            self.clock.now(),
            float(round(self.clock.monotonic(), 6)),
            self._who(commander),
            where,
            compact_data(payload),
        )
        if now:
            self.writer.append(event)
            self._last_seq = self._synced_seq = event.seq
            self._untold.append((event, None))
            self._tell_untold()
        else:
            self._last_seq = event.seq
            self._hold(event)
        return event

    def _hold(self, event: Event) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # nothing to wait for: written and told at once
            self._untold.append((event, self.writer.append(event, sync=False)))
            self._tell_untold()
            return
        self._held.append((event, self.writer.hold(event)))
        if not self._flush_due:
            self._flush_due = True
            loop.call_soon(self._flush_held)

    def _flush_held(self) -> None:
        try:
            self._write_held()
        except OSError:  # no caller to raise it to here: the next record raises it
            return
        if not self._fsyncing:  # else told once the fsync's waiters are woken (`_synced`)
            self._tell_untold()
        elif not self._tell_due:  # or once it has turned slow
            self._tell_if_slow()

    def _tell_if_slow(self) -> None:
        """While an fsync runs, tell what is written once it has run SLOW_FSYNC: now if it
        has, else when it will have (a later fsync begun meanwhile: when that one will)."""
        self._tell_due = False
        if not self._fsyncing or not self._untold:
            return
        loop = asyncio.get_running_loop()
        due = self._fsync_began + SLOW_FSYNC
        if loop.time() >= due:
            self._tell_untold()
        else:
            self._tell_due = True
            loop.call_at(due, self._tell_if_slow)

    def flush(self) -> None:
        """Write every event held so far, then fold them and tell the listeners."""
        self._write_held()
        self._tell_untold()

    def _write_held(self) -> None:
        self._flush_due = False
        if not self._held:
            return
        held, self._held = self._held, []
        try:
            self.writer.flush()
        except OSError as exc:  # what was held is lost: nothing records after it
            self._failure = exc
            raise
        self._untold.extend(held)

    def _tell_untold(self) -> None:
        """Fold and tell the events written, in order; a listener that records is told
        of its event after the rest of the listeners hear of the one it was told of."""
        if self._telling:
            return
        self._telling = True
        try:
            while self._untold:
                event, offset = self._untold.popleft()
                self.events.append(event, offset)
                self.state.apply(event)
                for listener in list(self._listeners):
                    listener(event)
        finally:
            self._telling = False

    def _where(self, system: str | None, host: str | None, step: str | None) -> Where:
        key = (system, host, step)
        where = self._wheres.get(key)
        if where is None:
            where = self._wheres[key] = Where(system=system, host=host, step=step)
        return where

    def _who(self, commander: str | None) -> Actor:
        """This console's user, with the commander in charge when there is one."""
        if not commander:
            return self.actor
        cached = self._whos.get(commander)
        if cached is not None and cached[0] is self.actor:
            return cached[1]
        who = self.actor.replace(commander=commander)
        self._whos[commander] = (self.actor, who)
        return who

    def _payload(self, given: Kind | str | Payload, data: dict[str, Any]) -> Payload:
        """The event's data, redacted and checked by its kind's model: a key the model
        does not know, or a value of the wrong type, is the program's mistake."""
        if isinstance(given, Payload):
            if data:
                raise TypeError(f"{given.KIND}: a payload and keys {sorted(data)} both given")
            if not self.redactor.active:
                return given
            data = given.dump()
            model = type(given)
        elif given in KINDS:
            model = payload_model(given)
        else:
            raise ValueError(f"{given}: not an event kind this console writes")
        payload = self.redactor.validated(model, data)
        if payload.unknown_keys:
            raise ValueError(f"{model.KIND} has no key {', '.join(payload.unknown_keys)}")
        return payload

    @property
    def closed(self) -> bool:
        return self.writer.closed

    def close(self) -> None:
        """Write and tell what is held, then close the files."""
        try:
            if self._failure is None:
                self.flush()
        finally:
            self.writer.close()
            self.events.close()
