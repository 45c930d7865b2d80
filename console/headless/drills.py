"""Drills headless: a scenario, every scenario that is due, the schedule's standing, and
the pre-deployment gate. Each drill is an incident of its own, labelled DRILL."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from console.demo.fleet import DemoFleet
from console.engine.conductor import new_incident_id
from console.engine.drill import (
    check_scenario,
    drill_settings,
    drill_systems,
    run_scenario,
    title_of,
    undelivered,
)
from console.engine.errors import LockRefused
from console.engine.host_trust import HostKeys, check_host_keys
from console.engine.routes import refuse_unroutable
from console.engine.session import Engine
from console.headless.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REFUSED,
    HUNG_UP_WHY,
    INTERRUPTED,
    EventPrinter,
    driving,
    journal_dir,
    print_json,
    refusal_as_json,
    say_waits,
)
from console.journal.drill_text import (
    failed_said,
    missed_said,
    report_lines,
    status_markdown,
    status_rows,
    status_text,
)
from console.journal.drills import Unreadable, read_drills, uncounted
from console.journal.files import JOURNAL_NAME
from console.journal.outcomes import host_summary
from console.journal.results import notifications
from console.model.clock import SystemClock
from console.model.drill_schedule import (
    DrillRun,
    Standing,
    SystemCadence,
    due_scenarios,
    gate,
    next_due,
    schedule_status,
)
from console.model.drills import Scenario
from console.model.outcome import kept_at_close
from console.model.settings import Settings
from console.model.visible import visible
from console.paths import incidents_dir


@dataclass
class DrillOptions:
    demo: bool = False
    journal: str | None = None
    quiet: bool = False
    json: bool = False
    take_over_lock: str | None = None
    accept_keys: HostKeys = field(default_factory=dict)


async def drill_once(settings: Settings, scenario: Scenario, options: DrillOptions) -> dict:
    """One scenario in an incident of its own (on a fresh demo fleet with --demo); its
    verdict, with the journal's path. The systems are claimed before the journal exists;
    with --json a refusal (a lock another incident holds) prints the result document
    `run --json` prints for it."""
    made: list[Path] = []
    with refusal_as_json("drill", options.json, lambda: made[0] if made else None):
        return await _drill_once(settings, scenario, options, made)


async def _drill_unless_locked(
    settings: Settings, scenario: Scenario, options: DrillOptions, locked: list[dict]
) -> dict | None:
    """As drill_once, but a scenario whose systems another incident holds is said, set
    down in `locked` and None (nothing injected): several in a row (--due, the gate's)
    go on with the others, and the document names each."""
    made: list[Path] = []
    with refusal_as_json("drill", options.json, lambda: made[0] if made else None):
        try:
            return await _drill_once(settings, scenario, options, made)
        except LockRefused as refused:
            print(refused.said(), file=sys.stderr, flush=True)
            holder = refused.holder or None
            locked.append({"scenario": scenario.name, "refusal": str(refused), "holder": holder})
            return None


async def _drill_once(
    settings: Settings, scenario: Scenario, options: DrillOptions, made: list[Path]
) -> dict:
    check_scenario(settings, scenario, options.demo)
    fleet = DemoFleet(settings) if options.demo else None
    if fleet is not None:
        settings = await fleet.start()
    engine = Engine.build(settings, demo=options.demo)
    try:
        await check_host_keys(settings, engine.pool, options.accept_keys)
        incident_id = new_incident_id(engine.clock.now())
        directory = journal_dir(options.journal, engine, incident_id)
        journal = directory / JOURNAL_NAME
        systems = drill_systems(settings, scenario)  # faults' and integrity's too
        refuse_unroutable(engine.pool, settings.inventory, settings.inventory.hosts_of(systems))
        claim = engine.claim(incident_id, systems, options.take_over_lock, journal)
        conductor = engine.incident(claim, directory)
        made.append(conductor.recorder.path)
        conductor.settings = drill_settings(settings, scenario)
        recorder = conductor.recorder
        printer = EventPrinter()
        if not options.quiet:
            print(f"DRILL {scenario.name}: not a production incident", flush=True)
            recorder.subscribe(printer)
        say_waits(conductor, printer, options.quiet, options.json)
        conductor.open_incident(title_of(scenario), incident_id, drill=True)
        async with driving(conductor, drill=True):  # a hang-up aborts: faults undone
            verdict = await run_scenario(conductor, scenario, fleet, options.accept_keys)
        printer.flush()
        hosts = host_summary(conductor.state)  # each host's rollback, as `run --json` says it
        kept = conductor.locks_kept  # hosts left unknown on your own fleet: their locks stay
        return {
            **verdict,
            "closed": conductor.state.outcome_label,  # as `run --json` has them: how it
            "params": dict(conductor.state.params),  # closed, the values chosen last, and
            "notifications": notifications(conductor.state),  # each update's fate
            "undelivered": undelivered(conductor),  # the close's update too, by now
            "hosts": hosts,
            "journal": str(recorder.path),
            "incident": incident_id,
            "locks_kept": kept,
        }
    finally:
        await engine.close()
        if fleet is not None:
            await fleet.stop()


async def _drilled(
    settings: Settings, names: list[str], options: DrillOptions, locked: list[dict] | None = None
) -> list[dict]:
    """Each named scenario in turn, its report printed unless --json; their verdicts.
    With `locked`, one an incident holds is refused there and the others still run."""
    verdicts: list[dict] = []
    for index, name in enumerate(names):
        if verdicts and _interrupted(verdicts[-1]):  # the process was told to stop
            _said_not_run(names[index:], verdicts[-1], options)
            break
        scenario = settings.drills.scenario(name)
        if locked is None:
            verdict = await drill_once(settings, scenario, options)
        elif (drilled := await _drill_unless_locked(settings, scenario, options, locked)) is None:
            continue
        else:
            verdict = drilled
        verdicts.append(verdict)
        if not options.json:
            print("\n".join(visible(line, one_line=True) for line in report_lines(verdict)))
            if verdict["locks_kept"]:
                print(visible(f"  ✘ {_kept_said(verdict)}", one_line=True))
            print(f"  journal    {verdict['journal']}", flush=True)
    return verdicts


def _kept_said(verdict: dict) -> str:
    """Why the drill's close kept its locks, and what lets go of them: hosts left unknown
    (the verify by hand), and a fault its undo did not take off (walked: this line read
    'outcome unknown on  at the close', no host, of a fault left on web-2), each with the
    systems kept for it (seen: a fault left on cart while a host of app was unknown was
    not said)."""
    from console.engine.kept_locks import fault_hosts_left, fault_kept_said

    kept, unknown = verdict["locks_kept"], sorted({u["host"] for u in verdict["unknown"]})
    left = fault_hosts_left(verdict)
    if not left:
        return kept_at_close(kept, unknown, verdict["incident"])
    if not unknown:
        return fault_kept_said(kept, left)
    system = {host: said["system"] for host, said in verdict["hosts"].items()}
    for_unknown = [s for s in kept if s in {system.get(h) for h in unknown}]
    for_faults = [s for s in kept if s in {system.get(h) for h in left}]
    said = [kept_at_close(for_unknown, unknown, verdict["incident"])] if for_unknown else []
    said += [fault_kept_said(for_faults, left)] if for_faults else []
    return "; ".join(said) or kept_at_close(kept, unknown, verdict["incident"])


def _interrupted(verdict: dict) -> bool:
    """Whether a signal (Ctrl+C, TERM, HUP) aborted the drill: the next does not start."""
    signalled = tuple(f"aborted: {why}" for why in (INTERRUPTED, *HUNG_UP_WHY))
    return any(f.startswith(signalled) for f in verdict["findings"])


def _said_not_run(names: list[str], verdict: dict, options: DrillOptions) -> None:
    why = verdict["findings"][0].removeprefix("aborted: ")
    said = f"not run ({why}, during {verdict['scenario']}): {', '.join(names)}"
    print(visible(said, one_line=True), file=sys.stderr if options.json else sys.stdout)


async def run_drills(
    settings: Settings, names: list[str], options: DrillOptions, locked: list[dict] | None = None
) -> int:
    """Each named scenario in turn; exit 0 only when every one passed (with `locked`: 3
    when one was refused, an incident holding its systems, and none failed)."""
    verdicts = await _drilled(settings, names, options, locked)
    failed = [v["scenario"] for v in verdicts if not v["passed"]]
    refused = [r["scenario"] for r in locked or []]
    passed = not failed and not refused
    code = EXIT_FAILED if failed else EXIT_REFUSED if refused else EXIT_OK
    if options.json:
        print_json(
            {
                "schema": "rollback-console/drills",
                "version": 1,
                "command": "drill",
                "ok": passed,
                "exit_status": code,
                "drills": verdicts,
                **({"refused": locked} if locked is not None else {}),
            }
        )
    elif len(names) > 1:
        said = [f"FAILED: {', '.join(failed)}"] if failed else []
        if refused:  # nothing injected there: due again next time
            said.append(f"refused (an incident holds its systems): {', '.join(refused)}")
        ran = {v["scenario"] for v in verdicts} | set(refused)
        if not_run := [n for n in names if n not in ran]:  # a signal stopped the run
            said.append(f"not run: {', '.join(not_run)}")
        print(f"{len(names)} drills: " + ("; ".join(said) or "all passed"), flush=True)
    return code


def drills_root(settings: Settings, demo: bool) -> Path:
    return incidents_dir(demo, settings.console.journal_dir)


def print_status(settings: Settings, demo: bool, fmt: str, now: datetime) -> int:
    """`drill --status`: per system and cadence, from the journals; exit 1 if any is
    OVERDUE (a job that checks compliance can fail on it)."""
    runs, unreadable = read_drills(drills_root(settings, demo))
    said_uncounted(unreadable, runs, now)
    status = schedule_status(settings.drills, runs, now)
    if fmt == "json":
        print_json(
            {
                "schema": "rollback-console/drill-status",
                "version": 1,
                "now": now.isoformat(),
                "status": status_rows(status),
            }
        )
    elif fmt == "markdown":
        sys.stdout.write(visible(status_markdown(status, now)))
    else:
        print("\n".join(visible(line, one_line=True) for line in status_text(status, now)))
        _say_missed(status, sys.stdout)
    overdue = any(s.standing is Standing.OVERDUE for s in status)
    return EXIT_FAILED if overdue else EXIT_OK


async def run_due(settings: Settings, options: DrillOptions, now: datetime) -> int:
    """`drill --due`: every scenario whose date has come (OVERDUE), each once."""
    runs, unreadable = read_drills(drills_root(settings, options.demo))
    said_uncounted(unreadable, runs, now)
    status = schedule_status(settings.drills, runs, now)
    names = due_scenarios(status)
    _say_missed(status, sys.stderr if options.json else sys.stdout)
    if not names:
        print(_none_due(status), file=sys.stderr if options.json else sys.stdout)
        if options.json:
            print_json({"schema": "rollback-console/drills", "version": 1, "command": "drill",
                        "ok": True, "exit_status": EXIT_OK, "drills": []})  # fmt: skip
        return EXIT_OK
    print(f"due: {', '.join(names)}", file=sys.stderr if options.json else sys.stdout, flush=True)
    return await run_drills(settings, names, options, locked=[])


def _say_missed(status: list[SystemCadence], out: TextIO) -> None:
    """The dates missed, and the passes a failed drill since undid."""
    for said in [*filter(None, map(missed_said, status)), *failed_said(status)]:
        print(visible(said, one_line=True), file=out, flush=True)


def _none_due(status: list[SystemCadence]) -> str:
    """`no drill is due`, and the before-deploy cadences that read DUE all the same: the
    gate runs those, right before a deployment, not --due."""
    gated = [s for s in status if s.standing is not Standing.OK]  # before-deploy alone
    if not gated:
        return "no drill is due"
    systems = ",".join(dict.fromkeys(s.system for s in gated))
    said = ", ".join(f"{s.system} {s.cadence} ({s.entry.scenario})" for s in gated)
    return (
        f"no drill is due; DUE before a deployment only: {said}: the gate runs it"
        f" (rollback-console drill --gate --systems {systems} --run)"
    )


async def run_gate(
    settings: Settings, systems: list[str], run: bool, options: DrillOptions, now: datetime
) -> int:
    """`drill --gate`: 0 when each system has a passing drill within its before-deploy
    window; with `run`, the before-deploy scenarios of those without are run first."""
    root = drills_root(settings, options.demo)
    runs, unreadable = read_drills(root)
    standing = gate(settings.drills, systems, runs, now)
    missing = [s for s in standing if s.standing is not Standing.OK]
    verdicts: list[dict] = []
    locked: list[dict] = []
    if missing and run:
        names = list(dict.fromkeys(s.entry.scenario for s in missing))
        verdicts = await _drilled(settings, names, options, locked)
        now = max(now, SystemClock().now())  # the drills just run count
        runs, unreadable = read_drills(root)
        standing = gate(settings.drills, systems, runs, now)
    said_uncounted(unreadable, runs, now)
    doubt = {i: _since_passed(s, unreadable) for i, s in enumerate(standing)}
    ok = all(s.standing is Standing.OK and not doubt[i] for i, s in enumerate(standing))
    code = EXIT_OK if ok else EXIT_FAILED
    if options.json:  # one document, as every --json prints: the gate, and any drill run
        print_json(
            {
                "schema": "rollback-console/drill-gate",
                "version": 1,
                "command": "drill",
                "ok": ok,
                "exit_status": code,
                "gate": "open" if ok else "closed",
                "systems": systems,
                "status": status_rows(standing),
                "drills": verdicts,
                "refused": locked,
                "unreadable": [
                    {"journal": u.journal, "error": u.why, "written": u.written.isoformat()}
                    for u in unreadable
                ],
            }
        )
        return code
    for i, s in enumerate(standing):
        print(visible(_gate_line(s, doubt[i]), one_line=True))
    print(f"gate {'open' if ok else 'CLOSED'}: " + ", ".join(systems), flush=True)
    return code


def said_uncounted(unreadable: list[Unreadable], runs: list[DrillRun], now: datetime) -> None:
    """A line on stderr for each drill the schedule does not count (`uncounted`)."""
    for said in uncounted(unreadable, runs, now):
        print(visible(said, one_line=True), file=sys.stderr, flush=True)


def _since_passed(s: SystemCadence, unreadable: list[Unreadable]) -> Unreadable | None:
    """The latest journal that cannot be read and was written after the pass that holds
    the gate open: a drill it records may have failed since (the gate stays closed)."""
    passed = s.last_passed
    later = [u for u in unreadable if passed is not None and u.written > passed.at]
    return later[-1] if s.standing is Standing.OK and later else None


def _gate_line(s: SystemCadence, doubt: Unreadable | None = None) -> str:
    head, when = f"{s.system} {s.cadence}:", "%Y-%m-%d %H:%M UTC"
    if doubt is not None and s.last_passed:
        return (
            f"{head} {doubt.journal} cannot be read ({doubt.why}), written"
            f" {doubt.written:{when}}, after the {s.entry.scenario} drill that passed"
            f" {s.last_passed.at:{when}}: a drill it records may have failed; repair it, or"
            " move it out of the incidents directory"
        )
    if s.standing is Standing.OK and s.last_passed and s.next_due:
        return (
            f"{head} ok: {s.entry.scenario} passed {s.last_passed.at:{when}},"
            f" valid until {s.next_due:{when}}"
        )
    last = s.last
    passed = s.last_passed
    if last is not None and not last.passed and passed and last.at < next_due(s.entry, passed.at):
        why = f" ({last.why})" if last.why else ""  # an abort (Ctrl+C) is not a broken rollback
        return (
            f"{head} the last {s.entry.scenario} drill FAILED {last.at:{when}}{why}: the one"
            f" that passed {passed.at:{when}} no longer counts ({last.journal})"
        )
    seen = ""
    if last is not None:
        seen = f"; last {s.entry.scenario} {'passed' if last.passed else 'FAILED'} {last.at:{when}}"
    return (
        f"{head} no passing {s.entry.scenario} drill in the last {s.entry.window_hours:g} h{seen}"
    )
