"""Write an SVG of every screen of the real app, driven on the demo fleet, into screenshots/;
and document.svg: the rollback document of a full demo incident, as a reviewer reads it.

Run with: python scripts/screenshots.py [--size 100x30]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
from pathlib import Path

from textual.pilot import Pilot

from console.demo.fleet import DemoFleet
from console.engine.session import Engine
from console.model.loading import load_settings
from console.model.settings import Settings
from console.paths import demo_config
from console.ui.app import RollbackApp, make_app

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def until(pilot: Pilot, condition, timeout: float = 60.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError(
                f"the demo did not get there in time: {what} (on {pilot.app.screen})"
            )
        await pilot.pause(0.05)


async def keys(pilot: Pilot, text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


def shot(app: RollbackApp, name: str) -> None:
    app.save_screenshot(f"{name}.svg", str(OUT))
    print(f"screenshots/{name}.svg")


async def drills_tour(fleet: DemoFleet, size: tuple[int, int]) -> None:
    """The home screen and the drills screen, in an app of their own: the demo's api
    trigger counts down from the start, and the incident tour must beat it."""
    with tempfile.TemporaryDirectory() as journals:
        root = Path(journals)
        engine = Engine(
            fleet.settings, root / "incidents", lock_dir=root / "locks", threaded_io=True
        )
        app = make_app(fleet.settings, engine)
        async with app.run_test(size=size) as pilot:
            readings = app.live.watcher.readings.values()  # each probe's first sample shown
            await until(pilot, lambda: all(r.last for r in readings), what="the probes")
            await pilot.pause(0.2)
            shot(app, "home")
            await pilot.press("d")
            await until(pilot, lambda: type(app.screen).__name__ == "DrillsScreen", what="D")
            await pilot.press("down", "down")
            await pilot.pause(0.2)
            shot(app, "drills")
        await engine.close()


def proposing(settings: Settings) -> Settings:
    """The demo with every automatic trigger proposing: the api trigger's countdown would
    otherwise open an incident of its own in the middle of a slow tour."""
    data = settings.dumped()
    for trigger in data["triggers"]["triggers"]:
        trigger["policy"] = "propose"
    return Settings.validated(data)


async def tour(size: tuple[int, int]) -> None:
    settings = proposing(load_settings(demo_config()))
    async with DemoFleet(settings) as fleet:
        await drills_tour(fleet, size)
        with tempfile.TemporaryDirectory() as journals:
            # journals and locks in a fresh directory: nothing left by an earlier run
            root = Path(journals)
            engine = Engine(
                fleet.settings, root / "incidents", lock_dir=root / "locks", threaded_io=True
            )
            app = make_app(fleet.settings, engine)
            async with app.run_test(size=size) as pilot:
                await pilot.pause(0.2)
                await pilot.press("n")
                await until(pilot, lambda: type(app.screen).__name__ == "TriggerScreen")
                await pilot.press("down", "enter")
                await keys(pilot, "checkout fails for 30% of users since 2.4.1")
                shot(app, "trigger")
                await pilot.press("enter")
                await until(pilot, lambda: type(app.screen).__name__ == "PickerScreen")
                reach = app.reach
                await until(
                    pilot,
                    lambda: reach is not None and reach.results and not reach.checking,
                    what="every host's SSH check",
                )
                await pilot.press("space")
                await pilot.pause(0.2)
                shot(app, "picker")
                await pilot.press("enter")
                conductor = app.conductor
                await until(pilot, lambda: conductor is not None and conductor.state.strategy)
                await pilot.pause(0.2)
                shot(app, "checklist")
                app.screen.select_step("restore")
                await pilot.press("p")
                await pilot.pause(0.2)
                shot(app, "command-preview")
                await pilot.press("escape", "c")  # back to the current step
                while (step := conductor.current()) and step.id != "verify":
                    await pilot.press("f2")
                    await until(pilot, lambda: type(app.screen).__name__ == "ChecklistScreen")
                    await pilot.pause(0.2)
                    await pilot.press("enter")
                    if step.asks:  # it shows what it sends, and to how many hosts
                        await until(pilot, lambda: type(app.screen).__name__ == "RunConfirm")
                        await pilot.pause(0.2)
                        if step.id == "restore":
                            shot(app, "confirm-run")
                        await pilot.press("y")
                    await until(
                        pilot,
                        lambda s=step: conductor.state.step(s.id).status.finished,
                        what=f"step {step.id} to finish",
                    )
                    if step.id == "restore":
                        await pilot.pause(0.3)
                        shot(app, "execution")
                await pilot.press("f2")
                await pilot.press("n")
                await keys(pilot, "web back on 2.4.0, error rate normal")
                await pilot.press("enter")
                await pilot.pause(0.2)
                shot(app, "checklist-later")
                await pilot.press("f4")
                await pilot.pause(0.3)
                shot(app, "timeline")
                await pilot.press("f5")
                await keys(pilot, "web 2.4.1 broke checkout")
                await pilot.press("enter")
                await keys(pilot, "SEV2")
                await pilot.press("enter")
                await keys(pilot, "1 in 3 checkouts failed")
                await pilot.pause(0.2)
                shot(app, "post-rollback")
                await pilot.press("f6")
                await until(pilot, lambda: type(app.screen).__name__ == "ExportScreen")
                export = app.screen
                await until(pilot, lambda: not export.rendering, what="the export preview")
                await pilot.pause(0.3)
                shot(app, "export")
                await pilot.press("f1")
                await pilot.pause(0.2)
                shot(app, "help")
                await pilot.press("escape", "f2", "s")
                await keys(pilot, "verified by hand on the bridge")
                shot(app, "skip-dialog")
                await pilot.press("escape", "f7")
                await until(pilot, lambda: type(app.screen).__name__ == "CloseDialog")
                await pilot.pause(0.2)
                shot(app, "close")
                await pilot.press("escape")
            await engine.close()


def document(width: int) -> None:
    """The Markdown of a full demo incident (the amended golden journal: an automatic
    trigger, the rollback, the review) rendered as rich renders it, up to the appendix."""
    from rich.console import Console
    from rich.markdown import Markdown

    from console.journal.export import EXPORT_FORMATS
    from console.journal.store import read_journal

    journal = OUT.parent / "tests" / "golden" / "journals" / "amended" / "journal.jsonl"
    text = EXPORT_FORMATS["markdown"].render(read_journal(journal).events, False)
    console = Console(record=True, width=width, file=io.StringIO(), color_system="truecolor")
    console.print(Markdown(text.split("\n## Appendix")[0]))
    console.save_svg(str(OUT / "document.svg"), title="rollback-console export")
    print("screenshots/document.svg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="100x30", help="terminal size, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    OUT.mkdir(exist_ok=True)
    asyncio.run(tour((width, height)))
    document(width)


if __name__ == "__main__":
    main()
