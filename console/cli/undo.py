"""`undo JOURNAL STEP`: run the strategy's undo on the hosts a strategy step touched,
journalled in that incident, under its systems' locks."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.cli.common import existing_journal, split, unknown_step
from console.cli.console_app import ran_on_demo
from console.cli.parser import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from console.cli.undo_config import UndoConfig
    from console.cli.undo_params import Instead
    from console.engine.conductor import Conductor
    from console.model.step_state import StepState


def undo(args: argparse.Namespace) -> int:
    from console.cli.undo_config import undo_config
    from console.cli.undo_params import Instead
    from console.engine.config_kept import incident_redactor
    from console.engine.plan import Secrets, plan_undo
    from console.journal.store import read_journal
    from console.model.procedure import StepKind
    from console.model.state import fold

    path = existing_journal(args.journal, args.config)
    demo = args.demo or ran_on_demo(path)
    config = undo_config(args, path, demo)
    settings = config.settings
    if args.step not in {s.id for s in settings.procedure.steps}:
        undoable = [s.id for s in settings.procedure.steps if s.kind is StepKind.STRATEGY]
        raise unknown_step("STEP", args.step, undoable, "strategy steps")
    events = read_journal(path).events
    state = fold(events)
    step = settings.procedure.step(args.step)
    hosts = split(args.hosts) or None
    instead = Instead(settings, state, step.strategy or state.strategy, args, bool(config.kept))
    settings = instead.settings  # --param-env's values masked in the record
    config = config._replace(settings=settings)
    # Checked and rendered before anything is claimed, recorded or sent.
    shown = incident_redactor(events, settings, path).text  # as its records mask them
    instead.mask = shown
    planned = plan_undo(settings, state, step, hosts, Secrets(shown), instead=instead.values)
    if args.dry_run:
        return _dry_run(planned, step.title, config, instead, config.since(events, path, instead))
    if not args.yes:
        raise UsageError("undo changes hosts: add --yes (see the commands first with --dry-run)")
    return asyncio.run(_undo(config, path, args, demo, instead))


def _dry_run(
    planned, title: str, config: UndoConfig, instead: Instead, since: tuple[str, str]
) -> int:
    """Where each host goes and the undo as it would get it: the configuration it is
    from, the values given `instead` of the incident's, and what changed `since` the
    incident opened, first; nothing is connected."""
    from console.engine.routes import routes
    from console.headless.commands_shown import comment, print_alike

    settings = config.settings
    print(comment(f"dry run: nothing is sent. The undo of {title!r} on each host it touched"))
    for alarm, line in _before(config, instead, since):  # folded as its other lines
        print(comment(line, "# ! ", "#   ") if alarm else comment(line))
    if planned.strategy is not None and planned.strategy.undo_weigh():
        from console.model.set_aside import ASKED_FIRST

        print(comment(ASKED_FIRST))
    here = planned.run.on_jump_host  # a flag service's API: no host's shell runs it
    if here:
        print("# it runs on this jump host, in the console's environment, once for each")
        print("# host; nothing is sent to the hosts")
    found = [] if here else routes(settings.inventory, [t.name for t in planned.targets])
    for route in found:
        print(route.line())
    where = " (on the jump host)" if here else ""
    print_alike(
        {
            target.name: [
                (stage + where, command)
                for group in planned.groups_for(target)
                for stage, command in group
            ]
            for target in planned.targets
        }
    )
    for route in found:
        if route.error:
            print(f"error: {route.host}: {route.error}", file=sys.stderr)
    return EXIT_USAGE if any(r.error for r in found) else EXIT_OK


def _before(config: UndoConfig, instead: Instead, since: tuple[str, str]) -> list[tuple[bool, str]]:
    """What the undo says before its commands, each line with whether it alarms: the
    configuration it runs, the values given instead of the incident's, what changed since
    it opened, and how a new default of a parameter is sent."""
    from console.cli.undo_config import NOW

    said = [(False, f"{which}; {NOW}")] if (which := config.which()) else []
    said += [(False, f"for this undo: {line}") for line in instead.said()]
    changed, hint = since
    said += [(True, changed)] if changed else []
    return said + ([(False, hint)] if hint else [])


async def _undo(
    config: UndoConfig, path: Path, args: argparse.Namespace, demo: bool, instead: Instead
) -> int:
    from console.cli.undo_aside import weighed
    from console.engine.session import Engine
    from console.engine.walk import confirm_waves_as
    from console.headless.commands_shown import comment
    from console.headless.common import abort_on_signals, hung_up, reachable
    from console.journal.store import read_journal
    from console.journal.terminal_line import PlaceColumn
    from console.model.state import fold

    hosts = split(args.hosts) or None
    async with reachable(config.settings, [], demo) as settings:
        engine = Engine.build(settings, demo=demo)
        try:
            state = fold(read_journal(path).events)
            # A closed incident holds no locks: its systems are claimed again for the undo.
            conductor = engine.open_existing(path, list(state.systems), args.take_over_lock)
            if state.outcome:
                closed = state.outcome_label or state.outcome
                print(f"# the incident was closed ({closed}); the undo is recorded after")
            recorder = conductor.recorder
            # Said, and noted (the record says what it sent with): the configuration,
            # the values given in place of the incident's; what changed since is noted
            # by `since`.
            if which := config.which():
                conductor.note(f"undo with the {which}")
            for line in instead.said():
                conductor.note(f"undo with {line}")
            since = config._replace(settings=settings).since(
                recorder.events, recorder.path, instead, conductor
            )
            for alarm, line in _before(config, instead, since):
                print(comment(line, "! ", "  ") if alarm else comment(line), flush=True)
            places = PlaceColumn(f"{args.step}.undo", *state.systems, *state.hosts)
            conductor.recorder.subscribe(lambda event: print(places.line(event), flush=True))
            # Its waves ask as the step's do: --yes answers, after a wave whose every host
            # succeeded; after one that did not, the later hosts are left for a person.
            confirm_waves_as(conductor, "--yes")
            try:
                conductor.record_locks()
                if (stopped := await weighed(conductor, args, hosts)) is not None:
                    return stopped  # a TERM or a hang-up while its hosts were asked
                with abort_on_signals(conductor):  # Ctrl+C, TERM: an abort; HUP: stopped
                    ok = await conductor.undo(args.step, hosts, instead.values)
                undo = conductor.state.step(f"{args.step}.undo")
            finally:
                # Before the shutdown, which releases whatever is still held: kept while a
                # host is unknown there.
                conductor.let_go("the undo ended", conductor.runner.hung_up)
                await conductor.shutdown()
                conductor.recorder.close()
        finally:
            await engine.close()
    return hung_up(conductor, _said(conductor, undo, ok, args, path))  # 129: terminal closed


def _said(
    conductor: Conductor, undo: StepState, ok: bool, args: argparse.Namespace, path: Path
) -> int:
    """The undo's last line: where it went, and how to go on; its exit status."""
    from console.cli.undo_aside import went_said
    from console.headless.common import EXIT_UNKNOWN, meanwhile
    from console.model.invocation import again
    from console.model.state import HostStatus
    from console.model.status import StepStatus

    if undo.status is StepStatus.REFUSED:  # it changed nothing where it was refused
        refused = undo.refused()
        done = [h for h, run in undo.hosts.items() if run.status is HostStatus.SUCCEEDED]
        said = "; ".join(f"{h}: {why}" for h, why in refused.items())
        undone = f"undone on {', '.join(done)}; " if done else ""
        print(
            f"{args.step}: {undone}undo REFUSED on {', '.join(refused)}, nothing changed"
            f" there ({said}); journal {path}",
            flush=True,
        )
        return EXIT_REFUSED
    by = {s: [h for h, run in undo.hosts.items() if run.status is s] for s in HostStatus}
    aside = went_said(conductor, undo)  # what it set aside, said again (a restore's undo)
    if ok:
        print(
            f"{args.step}: undone on {', '.join(undo.hosts)}{aside}{meanwhile(conductor)};"
            f" journal {path}",
            flush=True,
        )
        return EXIT_OK
    left = (HostStatus.FAILED, HostStatus.ABORTED, HostStatus.UNKNOWN, HostStatus.NOT_STARTED)
    done = by[HostStatus.SUCCEEDED]
    parts = [f"undone on {', '.join(done)}{aside}"] if done else []
    parts += [f"{status.value}: {', '.join(by[status])}" for status in left if by[status]]
    aborted = conductor.runner.aborted  # Ctrl+C, TERM while it ran: why
    # Lost mid-undo: nobody knows whether it was undone there, so it is checked first (the
    # undo refuses to go on there unchecked), and the exit status is 4, as `run`'s and
    # `verify`'s with a host unknown (it was 1, as a failure's); an abort's stays 1.
    code = EXIT_UNKNOWN if by[HostStatus.UNKNOWN] and not aborted else EXIT_FAILED
    if lost := ",".join(by[HostStatus.UNKNOWN]):
        on = again(f"undo {path.parent} {args.step} --hosts {lost} --dry-run")
        parts.append(
            f"check {lost} by hand (undone there, or not); to undo again: {on}, then --yes"
        )
    failed = [h for s in (HostStatus.FAILED, HostStatus.ABORTED) for h in by[s]]
    if by[HostStatus.NOT_STARTED]:  # halted between its waves, or by max-fail
        rest = ",".join(by[HostStatus.FAILED] + by[HostStatus.NOT_STARTED])
        on = again(f"undo {path.parent} {args.step} --hosts {rest} --dry-run")
        # none to fix after a hang-up, nor where only hosts unknown stopped it
        cause = (
            "" if conductor.runner.hung_up or (lost and not failed) else " once the cause is fixed"
        )
        print(
            f"{args.step}: undo STOPPED ({undo.halted or conductor.runner.hung_up or 'halted'});"
            f" {'; '.join(parts)}; to go on{cause}: {on}, then --yes;"
            f" journal {path}",
            flush=True,
        )
        return code
    if failed:  # the undo again goes on there, leaving the hosts it put back
        hosts = f" --hosts {','.join(failed)}" if lost else ""  # unknown ones: named alone
        on = again(f"undo {path.parent} {args.step}{hosts} --dry-run")
        parts.append(f"to go on once the cause is fixed: {on}, then --yes")
    verdict = f"undo ABORTED ({aborted})" if aborted else "undo FAILED"
    if undo.status is StepStatus.UNKNOWN:  # lost mid-undo, none failed: not a failure
        verdict = "undo's outcome UNKNOWN"
    print(f"{args.step}: {verdict}; {'; '.join(parts)}; journal {path}", flush=True)
    return code
