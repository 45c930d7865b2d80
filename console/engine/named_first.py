"""A value named on `run`'s command line that the strategy's resolve checks
(`--param target=3.0.0`) is asked of every host before anything is sent, as the step
would ask it: one no host can go to is refused then, in the step's words, with no
incident opened (walked: the delivery was halted and the state assessed, then the
strategy step stopped at a release no host had). Taken, what the hosts answered is
recorded as the incident opens (`strategy.resolved`, `asked_at`: every command sent to a
host is on record), and the step goes with it, not asking again while it is fresh
(console/engine/asked_fresh.py)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.resolving import (
    RUN_NAMING,
    ask_unattended,
    record_resolved,
    refusal,
    resolver_for,
)
from console.engine.session import Engine

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.engine.resolved import Resolved
    from console.engine.ssh import SshPool
    from console.engine.walk import RunRequest
    from console.model.settings import Settings


@dataclass(frozen=True)
class NamedFirst:
    """What the hosts answered of the value named, before the incident: `refused`, the
    step's 'not started, nothing sent: ...' where they refuse it ('' where they take it,
    or nothing was asked); `answer` for `step`, to record (with when it was asked)."""

    refused: str = ""
    step: str = ""
    answer: Resolved | None = None

    def record(self, conductor: Conductor) -> None:
        """On record in the incident just opened (the strategy chosen), as the step would
        have recorded them: the step then goes with them."""
        if self.answer is not None and not self.refused:
            record_resolved(conductor, self.step, self.answer)


async def named_first(
    settings: Settings,
    pool: SshPool,
    request: RunRequest,
    heard: Callable[[Conductor], None] | None = None,
) -> NamedFirst:
    """The hosts asked of the value named, where its strategy's resolve checks one, on a
    scratch incident kept nowhere, through `pool` (the run's logins serve the run after);
    `heard` sets what it says it waits on (a hung host holds it up to its timeouts)."""
    strategy = settings.strategy(request.strategy)
    resolver = strategy.resolver()
    named = request.params.get(resolver.param) if resolver else None
    if resolver is None or not resolver.checks_named or named in (None, resolver.symbolic):
        return NamedFirst()
    with tempfile.TemporaryDirectory(prefix="rollback-named-") as scratch:
        engine = Engine(settings, Path(scratch) / "incidents", pool=pool)
        conductor = engine.new_incident("named first", incident_id="named-first")
        conductor.claim = None
        if heard is not None:
            heard(conductor)
        try:
            conductor.select(request.systems, request.hosts or None)
            conductor.choose_strategy(request.strategy, request.params)
            for step in settings.procedure.steps:
                if resolver_for(conductor, step.id, named=True) is not None:
                    found = await ask_unattended(conductor, step.id)
                    if found is None:
                        return NamedFirst()
                    said = refusal(conductor, step.id, found, RUN_NAMING)
                    return NamedFirst(said, step.id, found)
        finally:
            conductor.recorder.close()
    return NamedFirst()
