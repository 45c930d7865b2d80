"""Start the console: on the configured fleet, or on the embedded demo fleet."""

from __future__ import annotations

import asyncio
import contextlib

from console.demo.faults import Fault
from console.demo.fleet import DemoFleet
from console.engine.session import Engine
from console.model.settings import Settings
from console.paths import incidents_dir
from console.ui.app import make_app


async def _serve(settings: Settings, demo: bool) -> int:
    engine = Engine(settings, incidents_dir(demo=demo))
    app = make_app(settings, engine)
    try:
        result = await app.run_async()
    finally:
        if app.conductor is not None:
            app.conductor.recorder.close()
        await engine.close()
    return result if isinstance(result, int) else 0


def run_tui(settings: Settings) -> int:
    """The console on the configured inventory; the exit code of the app."""
    try:
        return asyncio.run(_serve(settings, demo=False))
    except KeyboardInterrupt:
        return 1


async def _demo(settings: Settings, faults: list[Fault]) -> int:
    fleet = DemoFleet(settings, faults)
    try:
        live = await fleet.start()
        return await _serve(live, demo=True)
    finally:
        with contextlib.suppress(Exception):
            await fleet.stop()


def run_demo_tui(settings: Settings, faults: list[Fault]) -> int:
    """Start the demo fleet in the app's own loop, run the console, stop the fleet."""
    try:
        return asyncio.run(_demo(settings, faults))
    except KeyboardInterrupt:
        return 1
