"""A value named on `run`'s command line that the strategy's resolve checks
(`--param target=3.0.0`) is asked of every host before anything is sent, as the step
would ask it: one no host can go to is refused then, in the step's words, with no
incident opened (walked: the delivery was halted and the state assessed, then the
strategy step stopped at a release no host had)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.resolving import resolve_unattended, resolver_for
from console.engine.session import Engine

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.engine.ssh import SshPool
    from console.engine.walk import RunRequest
    from console.model.settings import Settings


async def named_refused(
    settings: Settings,
    pool: SshPool,
    request: RunRequest,
    heard: Callable[[Conductor], None] | None = None,
) -> str:
    """The step's 'not started, nothing sent: ...' where the hosts refuse the value
    named; '' where they take it, or nothing named is checked. Asked on a scratch
    incident, kept nowhere, through `pool` (the run's logins serve the run after);
    `heard` sets what it says it waits on (a hung host holds it up to its timeouts)."""
    strategy = settings.strategy(request.strategy)
    resolver = strategy.resolver()
    named = request.params.get(resolver.param) if resolver else None
    if resolver is None or not resolver.checks_named or named in (None, resolver.symbolic):
        return ""
    with tempfile.TemporaryDirectory(prefix="rollback-named-") as scratch:
        engine = Engine(settings, Path(scratch) / "incidents", pool=pool)
        conductor = engine.new_incident("named first", incident_id="named-first")
        conductor.claim = None
        if heard is not None:
            heard(conductor)
            conductor.waiting = _first_only(conductor.waiting)
        try:
            conductor.select(request.systems, request.hosts or None)
            conductor.choose_strategy(request.strategy, request.params)
            for step in settings.procedure.steps:
                if resolver_for(conductor, step.id, named=True) is not None:
                    return await resolve_unattended(conductor, step.id)
        finally:
            conductor.recorder.close()
    return ""


def _first_only(say: Callable[[str, str], None] | None) -> Callable[[str, str], None] | None:
    """What it waits on (its first line) said; what the hosts answered is the step's to
    say, as it asks them again (a release checked: said once, there)."""
    if say is None:
        return None
    said: list[str] = []

    def first(step_id: str, words: str) -> None:
        if not said:
            said.append(words)
            say(step_id, words)

    return first
