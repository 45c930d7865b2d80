"""`probe`: every probe's value and state, once."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from console.engine.routes import refuse_unroutable
from console.engine.session import Engine
from console.headless.common import EXIT_FAILED, EXIT_OK, print_json, reachable
from console.journal.results import probe_result
from console.model.settings import Settings
from console.model.visible import visible

if TYPE_CHECKING:  # the demo fleet is imported when a command uses it
    from console.demo.faults import Fault


async def run_probe(
    settings: Settings, faults: list[Fault], systems: list[str], demo: bool, json: bool = False
) -> int:
    from console.engine.probe_report import probe_once
    from console.engine.watcher import Watcher

    async with reachable(settings, faults, demo) as settings:
        engine = Engine.build(settings, demo=demo)
        try:
            chosen = settings.inventory.hosts_of(
                systems or [s.name for s in settings.inventory.systems]
            )
            refuse_unroutable(engine.pool, settings.inventory, chosen)
            report = await probe_once(Watcher(settings, engine.pool, systems=systems or None))
        finally:
            await engine.close()
    code = EXIT_FAILED if report.unreachable else EXIT_OK
    if json:
        print_json(probe_result(report.samples, report.unreachable, code))
        return code
    print("\n".join(visible(line, one_line=True) for line in report.lines))
    if report.unreachable:
        print(f"error: cannot reach {', '.join(report.unreachable)}", file=sys.stderr)
    return code
