"""`verify ID`: the verify by hand of the hosts a closed incident left unknown (its step's
verify, run as an incident of its own under the locks its close kept)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli.common import INCIDENT_ID, existing_journal, load, split
from console.cli.console_app import ran_on_demo
from console.cli.parser import UsageError

if TYPE_CHECKING:
    from console.model.settings import Settings


def verify(args: argparse.Namespace) -> int:
    from console.headless.common import RunOptions
    from console.headless.verify import run_verify_closed

    demo = args.demo
    settings = load(args, demo=demo)
    journal = closed_journal(args.incident, args.config, settings, demo)
    if not demo and ran_on_demo(journal):
        raise UsageError(f"{args.incident}: a demo incident: add --demo")
    journal = _verified_one(journal, args, settings, demo)
    if args.dry_run:
        return _dry_run(settings, journal, split(args.hosts))
    options = RunOptions(accept_keys={}, demo=demo, take_over_lock=args.take_over_lock)
    if not _closed(journal):
        from console.headless.verify import run_verify_open

        return asyncio.run(run_verify_open(settings, journal, split(args.hosts), options))
    return asyncio.run(run_verify_closed(settings, journal, split(args.hosts), options))


def _closed(journal: Path) -> bool:
    from console.journal.store import read_journal
    from console.model.state import fold

    return fold(read_journal(journal).events).closed


def closed_journal(text: str, config: str | None, settings: Settings, demo: bool) -> Path:
    """The journal INCIDENT names: a journal.jsonl or its directory; for an id, the one
    the lock it kept names (found wherever it was journalled, --journal too), else the
    one of that id where incidents live."""
    from console.journal.files import journal_path
    from console.journal.lock import SystemLocks
    from console.paths import locks_dir

    if not journal_path(Path(text)).is_file() and INCIDENT_ID.fullmatch(text):
        for holder in SystemLocks(locks_dir(settings, demo)).holders():
            named = Path(holder.journal) if holder.incident == text and holder.journal else None
            if named and named.is_file() and _is_of(named, text):
                return named
    return existing_journal(text, config)


def _opened(journal: Path):
    """The journal's first event, `incident.opened` (its payload), read alone."""
    from console.journal.files import JournalError
    from console.journal.store import read_journal
    from console.model.payloads import IncidentOpened

    events = read_journal(journal, first=1).events
    if not events or not isinstance(events[0].data, IncidentOpened):
        raise JournalError(f"{journal}: it does not open with incident.opened")
    return events[0].data


def _is_of(journal: Path, incident: str) -> bool:
    """Whether `journal` is incident `incident`'s (a lock file may name anything)."""
    from console.journal.files import JournalError

    try:
        return _opened(journal).incident_id == incident
    except (JournalError, OSError):
        return False


def _verified_one(journal: Path, args: argparse.Namespace, settings: Settings, demo: bool) -> Path:
    """A verify by hand of another incident stands for that one (its hints name it)."""
    verifies = _opened(journal).verifies
    return closed_journal(verifies, args.config, settings, demo) if verifies else journal


def _dry_run(settings: Settings, journal: Path, only: list[str]) -> int:
    """Each host's verify as it would be sent; nothing is claimed, connected or written."""
    from console.engine.closed_verify import plan_verify
    from console.engine.config_kept import incident_redactor
    from console.headless.commands_shown import comment, print_alike
    from console.journal.store import read_journal
    from console.model.state import fold

    events = read_journal(journal).events
    shown = incident_redactor(events, settings, journal).text  # masked as its records are
    plan = plan_verify(settings, fold(events), journal, only, shown)
    print(comment(f"dry run: nothing is sent. The verify of incident {plan.incident} on each host"))
    for step in plan.steps:
        print_alike({h: [(f"{s} of {step.step!r}", c)] for h, (s, c) in step.commands.items()})
    return 0
