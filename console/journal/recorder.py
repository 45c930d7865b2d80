"""The one way facts enter an incident: stamp, redact, append, fold, notify."""

from __future__ import annotations

import asyncio
import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.journal.redact import Redactor
from console.journal.store import JOURNAL_NAME, JournalWriter, Progress, compact, read_journal
from console.model import payloads
from console.model.clock import Clock
from console.model.events import SCHEMA_VERSION, Actor, Event, Kind, Where
from console.model.payloads import KINDS, Payload, payload_model
from console.model.state import IncidentState, fold

Listener = Callable[[Event], None]


def current_actor() -> Actor:
    """The OS user, and the SSH client address of the jump-host session if any."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid-{os.getuid()}"
    client = os.environ.get("SSH_CONNECTION", "").split(" ")[0] or None
    return Actor(user=user, client=client)


class Recorder:
    """Owns the incident's journal and its folded state, and tells listeners."""

    def __init__(
        self,
        writer: JournalWriter,
        clock: Clock,
        actor: Actor,
        redactor: Redactor | None = None,
        history: list[Event] | None = None,
        state: IncidentState | None = None,
    ):
        """`state`, if given, is `history` folded already (by whoever read it)."""
        self.writer = writer
        self.clock = clock
        self.actor = actor
        self.redactor = redactor or Redactor()
        self.events: list[Event] = list(history or [])
        self.state: IncidentState = state if state is not None else fold(self.events)
        self._listeners: list[Listener] = []
        self._written = self._synced = 0
        self._sync_task: asyncio.Future[None] | None = None
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
        history = read_journal(path, progress).events if path.exists() else []
        return cls(JournalWriter(path), clock, actor, redactor, history)

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
        """Append one event (fsync'd now if it is an action), fold it, then notify. Its
        data: the payload given, or the kind and the payload's keys (checked by its model)."""
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
        """Append one event without its fsync: `await sync()` before relying on it.
        Hosts that start together then share one fsync (group commit)."""
        return self._record(kind, self._where(system, host, step), data, False)

    async def sync(self) -> None:
        """Every event recorded so far is on disk when this returns; callers that arrive
        while an fsync runs share the next one."""
        target = self._written
        while self._synced < target:
            if self._sync_task is None or self._sync_task.done():
                self._sync_task = asyncio.ensure_future(self._fsync())
            await asyncio.shield(self._sync_task)

    async def _fsync(self) -> None:
        upto = self._written
        await asyncio.to_thread(self.writer.fsync)
        self._synced = max(self._synced, upto)

    def _record(
        self, given: Kind | str | Payload, where: Where, data: dict[str, Any], sync: bool
    ) -> Event:
        payload = self._payload(given, data)
        # The commander in charge; a declaration's event carries the one it names (its
        # model named only for one: built with its family when first needed).
        named = None
        if payload.KIND == Kind.TRIGGER_DECLARED and isinstance(payload, payloads.TriggerDeclared):
            named = payload.commander
        commander = named or self.state.commander
        # Built from parts checked already (the payload by its model, who and where by
        # theirs): the line is the one a validated Event writes (tests/test_journal.py).
        event = compact(
            Event.model_construct(
                v=SCHEMA_VERSION,
                seq=self.state.last_seq + 1,
                ts=self.clock.now(),
                mono=float(round(self.clock.monotonic(), 6)),
                who=self._who(commander),
                kind=payload.KIND,
                where=where,
                data=payload,
            )
        )
        self.writer.append(event, sync=sync)
        self._written += 1
        if sync:
            self._synced = self._written
        self.events.append(event)
        self.state.apply(event)
        for listener in list(self._listeners):
            listener(event)
        return event

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
        who = self.actor.model_copy(update={"commander": commander})
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
        payload = model.model_validate(self.redactor.data(data))
        if payload.unknown_keys:
            raise ValueError(f"{model.KIND} has no key {', '.join(payload.unknown_keys)}")
        return payload

    @property
    def closed(self) -> bool:
        return self.writer.closed

    def close(self) -> None:
        self.writer.close()
