"""The full-screen console: on your configuration, on the demo fleet, resumed, followed."""

from __future__ import annotations

import argparse
import asyncio
import gc
from pathlib import Path

from console.cli.common import existing_journal, load, parse_faults
from console.cli.liboqs import look_ahead


def _collect_later() -> None:
    """No garbage collection until the console's first frame: start-up makes objects
    that all live as long as the app (modules, classes, models, widgets), and the app
    parks them and turns collection back on once it has drawn (`IncidentApp`)."""
    gc.disable()


def tui(args: argparse.Namespace) -> int:
    _collect_later()
    look_ahead()
    from console.cli.launch import run_tui

    return run_tui(load(args))


def demo(args: argparse.Namespace) -> int:
    _collect_later()
    look_ahead()
    from console.cli.launch import run_demo_tui

    settings = load(args, demo=True)
    faults = parse_faults(args.inject, settings, demo=True)
    return run_demo_tui(settings, faults)


def ran_on_demo(journal: Path) -> bool:
    """A journal among the demo's incidents ran on the demo fleet (resume it there)."""
    from console.paths import incidents_dir

    return journal.resolve().is_relative_to(incidents_dir(demo=True).resolve())


def resume(args: argparse.Namespace) -> int:
    look_ahead()
    from console.cli.launch import run_resume

    path = existing_journal(args.journal, args.config)
    on_demo = args.demo or ran_on_demo(path)
    settings = load(args, demo=on_demo)
    return run_resume(settings, path, demo=on_demo, take_over=args.take_over_lock)


def follow(args: argparse.Namespace) -> int:
    path = existing_journal(args.journal, args.config)
    if args.plain:
        from console.headless.follow import follow_plain

        return asyncio.run(follow_plain(path))
    from console.cli.launch import run_follow

    return run_follow(path)
