"""`run --dry-run` and `exec --dry-run`: every command as each host would get it, and
where each host goes; nothing is connected."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from console.engine.channel_targets import shown_target, target_of
from console.engine.conductor import Conductor
from console.engine.plan import plan_step, strategy_params
from console.engine.resolving import resolver_for
from console.engine.routes import Route, routes
from console.engine.session import Engine
from console.engine.targets import targets_for
from console.engine.walk import RunRequest, check_request
from console.headless.commands_shown import comment, hosts_in_lines, print_alike
from console.headless.common import EXIT_OK, EXIT_USAGE
from console.journal.redact import settings_redactor
from console.model.elsewhere import not_for
from console.model.kinds import RunsOn, is_health
from console.model.procedure import Phase, Step, StepKind
from console.model.settings import Settings
from console.model.status import COMMAND_STAGE
from console.model.templates import RenderedCommand
from console.model.waves import sizes_said


def dry_run(settings: Settings, request: RunRequest) -> int:
    """Print every command exactly as each host would get it; connect to nothing (so
    nothing needs --yes)."""
    check_request(settings, request, dry_run=True)
    with tempfile.TemporaryDirectory(prefix="rollback-dry-run-") as scratch:
        # Nothing is kept and nothing is locked: a scratch journal, no claim.
        engine = Engine(settings, Path(scratch) / "incidents")
        conductor = engine.new_incident("dry run", incident_id="dry-run")
        conductor.claim = None
        recorder = conductor.recorder
        conductor.select(request.systems, request.hosts or None)
        conductor.choose_strategy(request.strategy, request.params)
        print(SENT_HOW)
        for pager in settings.procedure.pagers:
            print(
                comment(
                    f"{pager.name}: {target_of(pager)} is triggered on declaration,"
                    " acknowledged when the rollback starts, resolved on close"
                )
            )
        unroutable = _print_routes(settings, list(conductor.state.hosts))
        for phase in settings.procedure.phases:
            if phase.phase is Phase.POST:
                break
            for step in phase.steps:
                print(f"\n## {phase.phase.label}: {step.title} [{step.kind}]")
                if skipped := not_for(settings, conductor.state, step):
                    print(f"# skipped, {skipped}")
                elif step.kind in (StepKind.COMMAND, StepKind.STRATEGY):
                    here = step.kind is StepKind.STRATEGY and (
                        settings.strategy(step.strategy or request.strategy).runs_on
                        is RunsOn.JUMP_HOST
                    )
                    jump = " (on the jump host)" if here else ""
                    if step.kind is StepKind.STRATEGY:  # named: `run` may have chosen it
                        print(f"# strategy: {step.strategy or request.strategy}")
                        print(_waves_plan(conductor, step))
                        if asked := _resolve_plan(conductor, step):
                            print(asked)
                    print_alike(
                        {
                            host: [(s + ("" if is_health(s) else jump), c) for s, c in commands]
                            for host, commands in conductor.preview(step.id).items()
                        }
                    )
                elif step.kind is StepKind.PROBE:
                    print(_probe_plan(settings, conductor.state.systems))
                elif step.kind is StepKind.NOTIFY:  # as the console's dialog shows each
                    notifier = conductor.notifier
                    update, mask = notifier.compose(step), recorder.redactor.text
                    for channel in notifier.channels_of(step):
                        where = shown_target(channel, update, mask, notifier.environ, "here")
                        print(f"{channel.name}: {where}")
                elif step.kind is StepKind.MANUAL:
                    print("(confirmed by a person; --yes confirms it)")
                else:
                    print(step.description or f"({step.kind} step)")
        recorder.close()
    return _routes_verdict(unroutable)


def dry_exec(settings: Settings, command: str, hosts: list[str], since: str = "") -> int:
    """`exec --dry-run`: where each host goes and the command as it gets it (`since`: the
    hosts changed since --journal's incident opened, said first)."""
    print(SENT_HOW)
    if since:
        print(since)
    unroutable = _print_routes(settings, hosts)
    redactor = settings_redactor(settings)
    print_alike(
        {
            target.name: [
                (COMMAND_STAGE, RenderedCommand.typed(command, target.workdir, redactor.text))
            ]
            for target in targets_for(settings.inventory, hosts)
        }
    )
    return _routes_verdict(unroutable)


# What the supervisor (engine/supervisor.py) changes for a command, said in words: its 47
# lines, printed whole before the commands twice over, hid the commands a user reads a dry
# run for. Each command below is the one journalled and sent inside it.
SENT_HOW = """\
# dry run: nothing is sent. Each command below is sent as shown, run by /bin/sh
# on its host (whatever the login shell), inside the console's supervisor: no
# terminal, input from /dev/null, EDITOR=false; an abort, a timeout or a lost
# SSH session stops its whole process group (TERM, then KILL)."""


def _print_routes(settings: Settings, hosts: list[str]) -> list[Route]:
    """`host: user@hostname:port via ...` for each host; the routes that cannot be followed."""
    how = (
        "resolved through ssh_config"
        if settings.inventory.ssh.use_ssh_config
        else "as inventory.toml says (use_ssh_config = false)"
    )
    print(f"\n## Where each host goes (nothing is connected)\n{comment(how)}")
    found = routes(settings.inventory, hosts)
    for route in found:
        print(route.line())
    return [r for r in found if r.error]


def _routes_verdict(unroutable: list[Route]) -> int:
    for route in unroutable:
        print(f"error: {route.host}: {route.error}", file=sys.stderr)
    return EXIT_USAGE if unroutable else EXIT_OK


def _resolve_plan(conductor: Conductor, step: Step) -> str:
    """`target=previous`: what it stands for is asked of the hosts when the run gets
    there (nothing is connected here): said, so that the commands below, which name it as
    given, are not read as naming a release. A value named outright that the resolve
    checks (`target=2.9`): that it is asked whether each host has it."""
    found = resolver_for(conductor, step.id)
    if found is None:
        return _named_plan(conductor, step)
    said = f"{found[1].param}={found[1].symbolic}"
    return comment(
        f"{said}: not known here (nothing is connected); the run asks every host what it"
        f" stands for before this step, and goes only if they agree, with that value"
        f" (else nothing is sent for the step; --param {found[1].param}=VALUE names it)"
    )


def _named_plan(conductor: Conductor, step: Step) -> str:
    """`target=2.9`, named: the run asks every host whether it has it first."""
    found = resolver_for(conductor, step.id, named=True)
    if found is None:
        return ""
    strategy, resolver = found
    value = strategy_params(conductor.state, strategy.name, strategy, conductor.secrets).get(
        resolver.param
    )
    return comment(
        f"{resolver.param}={value}: the run asks every host whether it is there to go to"
        " before this step (nothing is connected here); where a host lacks it, nothing is"
        " sent for the step"
    )


def _waves_plan(conductor: Conductor, step: Step) -> str:
    """The hosts of each wave the step would start, in order, as its strategy's waves
    plan them (`waves.size`, `percent` or `sizes`); a retry plans the hosts it takes anew."""
    planned = plan_step(conductor.settings, conductor.state, step, None, None, conductor.secrets)
    waves = planned.run.waves
    hosts = waves.of([t.name for t in planned.targets])
    said = sizes_said([len(w) for w in hosts] or [len(planned.targets)])
    if len(hosts) < 2:
        return comment(f"waves: {said}")
    said += f", {waves.pause_seconds:g} s apart" if waves.pause_seconds else ""
    asks = ", a yes before each next one (--yes gives it after a wave whose every host succeeded or needed nothing)"
    lines = [comment(f"waves: {said}{asks if waves.confirm else ''}")]
    for n, wave in enumerate(hosts, 1):  # a wave of many hosts: lines, not hundreds of cells
        lines.append(hosts_in_lines(f"wave {n} of {len(hosts)}:", wave, "#   ", "#     "))
    return "\n".join(lines)


def _probe_plan(settings: Settings, systems: list[str]) -> str:
    """What a probe step samples until the soak passes: each probe of the systems."""
    lines = [f"(the probes of {', '.join(systems)} must stay healthy for the soak window)"]
    for name in systems:
        for probe in settings.inventory.system(name).probes:
            what = probe.command or probe.url or probe.path or ""
            lines.append(f"### {name} probe {probe.name} [{probe.kind}]\n{what.strip()}")
    return "\n".join(lines)
