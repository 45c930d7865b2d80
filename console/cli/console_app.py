"""The full-screen console: on your configuration, on the demo fleet, resumed, followed."""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
from pathlib import Path

from console.cli.common import existing_journal, load, parse_faults, repeat_in_hints
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
    if args.take_command is not None:
        path = _take_command(settings, path, args.take_command, on_demo, args.take_over_lock)
    return run_resume(settings, path, demo=on_demo, take_over=args.take_over_lock)


def _take_command(
    settings, path: Path, reason: str, demo: bool, take_over: str | None = None
) -> Path:
    """A teammate's incident, its console gone (else asked for command, and waited for to
    let go): this account's to resume, the hand-over recorded (console/engine/handover.py);
    a refusal is one line, exit 2 (a lock's, exit 3). Nothing is asked or taken that the
    resume would then refuse (console/engine/take_first.py)."""

    from console.cli.parser import UsageError
    from console.cli.terminal_needed import needs_terminal
    from console.engine.handover import HandOverRefused
    from console.engine.session import Engine
    from console.engine.take_first import check_take
    from console.journal.files import journal_path

    engine = Engine.build(settings, demo=demo)
    journal = journal_path(path)
    # Without a terminal, refused once the hand-over's own refusals have had their say,
    # before the owner's console is asked or anything copied.
    ready = functools.partial(needs_terminal, journal.parent.name)
    try:
        try:
            return _taken(engine.take_command(journal, reason, take_over, ready))
        except HandOverRefused as exc:
            if not exc.running:
                raise
        _askable(engine, journal)
        check_take(engine, journal, None, take_over)
        ready()
        _asked(engine.locks, journal, reason, engine.actor)
        return _taken(engine.take_command(journal, reason, take_over, ready))
    except HandOverRefused as exc:
        raise UsageError(f"not taken over: {exc}") from None


def _askable(engine, journal: Path) -> None:
    """HandOverRefused where what runs is nobody to ask (a headless command: it never
    answers), in the list's words, as r on the home screen says it (Custody.r_does)."""
    from console.engine.handover import HandOverRefused
    from console.journal.custody import custody

    incident = journal.parent.name
    found = custody(journal.parent, incident, engine.locks.held())
    if found.r_does(closed=False) == "wait":
        raise HandOverRefused(f"{found.whose(False)}. {found.can(incident, False)}")


def _taken(journal: Path) -> Path:
    import sys

    print(f"took command of the incident: it goes on in {journal.parent}", file=sys.stderr)
    return journal


def _asked(locks, journal: Path, reason: str, actor) -> None:
    """The owner's console runs: ask it for command and wait (bounded) until it lets go;
    HandOverRefused when it keeps command or does not answer."""
    import sys
    import time

    from console.engine.handover import HandOverRefused
    from console.engine.handover_request import (
        ANSWER_SECONDS,
        LET_GO_SECONDS,
        POLL_SECONDS,
        Waiting,
        ask,
        give_up,
    )

    incident = journal.parent.name
    request = ask(locks, incident, actor.login, actor.user, reason)
    print(
        f"asked the console driving incident {incident} for command: whoever is at its"
        f" keyboard may keep it; waiting at most {ANSWER_SECONDS:.0f} s (Ctrl+C gives up)",
        file=sys.stderr,
    )
    waiting, said = Waiting(locks, journal, incident, request), None
    try:
        while said is None:
            time.sleep(POLL_SECONDS)
            said = waiting.look()
    except BaseException:
        if not give_up(locks, incident, request):
            told = f"{_holder(journal, incident)} had handed command over: {_once_ended(incident)}"
            print(told, file=sys.stderr)
        raise
    if said == "kept":
        raise HandOverRefused(_kept(journal, incident))
    if said == "held":
        raise HandOverRefused(
            f"{_holder(journal, incident)} handed command of incident {incident} over as this"
            f" wait ended, and had not let go of it {LET_GO_SECONDS:.0f} s later: {_once_ended(incident)}"
        )
    if said == "unanswered":
        raise HandOverRefused(
            f"{_holder(journal, incident)} did not hand over command of incident {incident}"
            f" within {ANSWER_SECONDS:.0f} s (a step runs there, or nobody looks):"
            f" {_meanwhile(incident)}"
        )


def follow(args: argparse.Namespace) -> int:
    path = existing_journal(args.journal, args.config)
    _resume_as_configured(path, args.config)
    if args.plain:
        from console.headless.follow import follow_plain

        return asyncio.run(follow_plain(path))
    from console.cli.launch import run_follow
    from console.cli.terminal_needed import needs_terminal_to_follow

    needs_terminal_to_follow(path)
    return run_follow(path)


def _resume_as_configured(path: Path, config: str | None) -> None:
    """The `resume` follow prints for an incident nobody drives names the configuration
    found here, as the console's own lines do (a demo incident's needs none): pasted into
    a shell without $ROLLBACK_CONSOLE_CONFIG, it read another one, or none."""
    from console.paths import find_config, incidents_dir

    directory = find_config(config)
    if directory is not None and incidents_dir(demo=True) not in path.parents:
        repeat_in_hints(directory, demo=False)


def _holder(journal: Path, incident: str) -> str:
    """`rbbob's console (pid 4242 on jump1)`: whose console drives the incident."""
    from console.journal.custody import custody

    writer = custody(journal.parent, incident, {}).writer
    if writer is None:
        return "the console driving it"
    return f"{writer.user}'s console (pid {writer.pid} on {writer.host})"


def _meanwhile(incident: str) -> str:
    from console.model.invocation import again

    return f"follow it live ({again(f'follow {incident}')}) or export it, and ask again later"


def _once_ended(incident: str) -> str:
    from console.model.invocation import again

    return f"take command once it has ended ({again(f'resume {incident} --take-command REASON')})"


def _kept(journal: Path, incident: str) -> str:
    """Who kept command, and what this account may do meanwhile."""
    return (
        f"{_holder(journal, incident)} kept command of incident {incident}: {_meanwhile(incident)}"
    )
