"""`drill`: a scenario, the scenarios due, the schedule, the gate, or an ad-hoc drill."""

from __future__ import annotations

import argparse
import asyncio

from console.cli.common import load, split, unknown_system
from console.cli.parser import UsageError
from console.cli.runs import host_keys
from console.cli.runs import run as run_adhoc

ADHOC_ONLY = (
    *("strategy", "trigger", "param", "param_env", "inject", "dry_run", "hosts", "title", "reason"),
    *("commander", "form", "form_file", "outcome"),
)
SCENARIO_ONLY = ("run",)


def drill(args: argparse.Namespace) -> int:
    if args.strategy:
        if args.scenario or args.list or args.status or args.due or args.gate:
            raise UsageError("--strategy makes an ad-hoc drill: drop --scenario/--status/...")
        if not (args.systems and args.trigger):
            raise UsageError("an ad-hoc drill (--strategy) needs --systems and --trigger")
        return run_adhoc(args)
    _refuse_adhoc_options(args)
    settings = load(args, demo=args.demo)
    drills = settings.drills
    if args.list:
        if args.json:
            raise UsageError(
                "--json goes with a drill, --due, --status or --gate; --list prints text"
            )
        return _list(settings)
    from console.headless import drills as headless
    from console.model.clock import SystemClock

    now = SystemClock().now()
    if args.status:
        fmt = "json" if args.json else args.format or "text"
        return headless.print_status(settings, args.demo, fmt, now)
    options = headless.DrillOptions(
        demo=args.demo,
        journal=args.journal,
        quiet=args.quiet or args.json,
        json=args.json,
        take_over_lock=args.take_over_lock,
        accept_keys=host_keys(args.accept_host_key),
    )
    if args.due:
        return asyncio.run(headless.run_due(settings, options, now))
    if args.gate:
        systems = split(args.systems)
        if not systems:
            raise UsageError("--gate needs --systems: the systems about to be deployed")
        known = [s.name for s in settings.inventory.systems]
        for name in systems:
            if name not in known:
                raise UsageError(f"--systems: {unknown_system(settings.inventory, name)}")
        from console.model.drill_schedule import GateError

        try:
            return asyncio.run(headless.run_gate(settings, systems, args.run, options, now))
        except GateError as exc:
            raise UsageError(f"--gate: {exc}") from None
    if args.scenario is not None and not args.scenario.strip():  # "$SCENARIO" unset
        raise UsageError("--scenario: empty; name one (drill --list shows them)")
    scenario: str | None = args.scenario or drills.default
    if scenario is None:
        raise UsageError(
            "name a scenario with --scenario (drill --list shows them; drills.toml may set"
            " a default), or make an ad-hoc drill with --systems, --strategy and --trigger"
        )
    if scenario not in drills.names:
        from console.model.problems import did_you_mean

        names = ", ".join(drills.names) or "none: drills.toml declares no [[scenarios]]"
        hint = did_you_mean(scenario, drills.names)
        raise UsageError(f"--scenario: no scenario {scenario!r}{hint} (known: {names})")
    return asyncio.run(headless.run_drills(settings, [scenario], options))


def _refuse_adhoc_options(args: argparse.Namespace) -> None:
    """Options that only an ad-hoc drill takes: a scenario says these in drills.toml."""
    given = [
        f"--{name.replace('_', '-')}"
        for name in ADHOC_ONLY
        if getattr(args, name) not in (None, False, [], "")
    ]
    if given:
        # --param too: `drill --scenario web-release --param target=1.0` read as if the
        # scenario took none, its own `params` never named
        params = ' (its [[scenarios]] `params = { target = "1.0" }`)' if args.param else ""
        raise UsageError(
            f"{', '.join(given)}: a scenario's faults, trigger, strategy and params are in"
            f" drills.toml{params}; add --strategy for an ad-hoc drill"
        )
    if args.format and not args.status:  # else a drill would run: `drill --format markdown`
        raise UsageError("--format goes with --status (a drill, --due and --gate take --json)")
    if args.run and not args.gate:
        raise UsageError("--run goes with --gate")
    if args.systems and not args.gate:
        raise UsageError("--systems goes with --gate (or with --strategy, an ad-hoc drill)")


def _list(settings) -> int:
    from console.engine.drill import recovery_targets
    from console.journal.times import minutes
    from console.model.drills import DrillOutcome
    from console.model.visible import visible

    drills = settings.drills
    if not drills.scenarios:
        print("No drill scenarios: declare [[scenarios]] in drills.toml.")
        return 0
    cadences: dict[str, list[str]] = {}
    for entry in drills.schedule:
        cadences.setdefault(entry.scenario, []).append(entry.label)
    for scenario in drills.scenarios:
        default = " (default)" if scenario.name == drills.default else ""
        parts = "; ".join(f"{p.strategy} on {', '.join(p.systems)}" for p in scenario.plan)
        lines = [
            f"{scenario.name}{default}: {scenario.description or parts}",
            f"  rolls back   {parts} ({scenario.scope.value})",
            f"  trigger      {scenario.trigger.value}; expects {scenario.expect.title}",
        ]
        if scenario.faults:  # where each goes: a drill may touch more than it rolls back
            lines.append(f"  faults       {', '.join(map(_where, scenario.faults))}")
        if scenario.integrity is not None:
            on = ", ".join(scenario.integrity.hosts) or "every host of its systems"
            lines.append(f"  integrity    on {on}, after = {scenario.integrity.after}")
        if scenario.rto_minutes:
            lines.append(f"  target       {minutes(scenario.rto_minutes)}")
        elif scenario.expect is DrillOutcome.VERIFIED:  # judged against each system's RTO
            rto = recovery_targets(settings, scenario).items()
            said = ", ".join(f"{s} {minutes(m) if m else 'none'}" for s, m in rto)
            lines.append(f"  target       {said} (the systems' RTO)")
        if scenario.name in cadences:
            lines.append(f"  schedule     {', '.join(cadences[scenario.name])}")
        print("\n".join(visible(line, one_line=True) for line in lines))
    return 0


def _where(fault) -> str:
    """`zero order 7's total (on db-1)`; a demo fault names its host itself."""
    on = ", ".join([*fault.hosts, *fault.systems])
    return f"{fault.label} (on {on})" if on else fault.label
