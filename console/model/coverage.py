"""What check-config says of a configuration that loads but will not pass: a strategy
that verifies nothing in a procedure with no stability check, a probe step for systems no
probe watches, a strategy step for systems that list no strategy or naming one that no
system lists, a drill awaiting an automatic trigger no triggers.toml entry can fire or
judging integrity on a strategy that keeps no records, a gradual re-enable that checks
nothing but the flags, a canary that nothing watches, a git restore of a whole repository
to `previous`, a trigger on a log probe with no threshold (warnings), a drill injecting
demo faults outside the demo, a default time ahead of now that run refuses (errors)."""

from __future__ import annotations

from datetime import datetime

from console.model.kinds import STRATEGY_KINDS, StrategyKind
from console.model.presets import default_preset, find_preset
from console.model.probes import ProbeKind
from console.model.problems import Finding, quoted
from console.model.procedure import StepKind
from console.model.settings import Settings
from console.model.strategies import Strategy
from console.model.templates import placeholders


def unwatched_systems(settings: Settings) -> list[Finding]:
    """Each system without probes, when the procedure verifies stability with them."""
    steps = [s for s in settings.procedure.steps if s.kind is StepKind.PROBE]
    if not steps:
        return []
    titles = ", ".join(quoted(s.title) for s in steps)
    return [
        Finding(
            "inventory",
            ("systems", index, "name"),
            f"system {quoted(system.name)} has no [[systems.probes]]: the probe step"
            f" {titles} cannot pass for it (add probes, or skip that step with a reason)",
            warning=True,
        )
        for index, system in enumerate(settings.inventory.systems)
        if not system.probes
    ]


def strategyless_systems(settings: Settings) -> list[Finding]:
    """Each system listing no strategy, when a strategy step runs the one the incident
    chooses: none can be chosen for it, and that step cannot run there."""
    steps = [s for s in settings.procedure.steps if s.kind is StepKind.STRATEGY and not s.strategy]
    if not steps:
        return []
    titles = ", ".join(quoted(s.title) for s in steps)
    return [
        Finding(
            "inventory",
            ("systems", index, "strategies"),
            f"system {quoted(system.name)} lists no strategies: none can be chosen for it, and"
            f" the strategy step {titles} cannot run there (name the ones that may roll it"
            " back, from strategies.toml)",
            warning=True,
        )
        for index, system in enumerate(settings.inventory.systems)
        if not system.strategies
    ]


def unlisted_step_strategies(settings: Settings) -> list[Finding]:
    """Each strategy step naming a strategy that no system lists: in every incident it is
    passed over (`not_for`), nothing sent, so it never runs (list it on the systems it
    rolls back, or remove the step)."""
    listed = {name for system in settings.inventory.systems for name in system.strategies}
    return [
        Finding(
            "procedure",
            ("phases", i, "steps", j, "strategy"),
            f"step {quoted(step.title)} runs strategy {quoted(step.strategy)}, which no system"
            " lists: every incident passes it over, nothing sent (add it to the `strategies`"
            " of the systems it rolls back, in inventory.toml)",
            warning=True,
        )
        for i, phase in enumerate(settings.procedure.phases)
        for j, step in enumerate(phase.steps)
        if step.kind is StepKind.STRATEGY and step.strategy and step.strategy not in listed
    ]


def unverifying_strategies(settings: Settings) -> list[Finding]:
    """Each strategy with neither a verify nor a health command, or whose verify checks
    only what it changed, not the service it restarts (`Strategy.service_unchecked`),
    when the procedure has no stability check (no probe step): nothing verifies its
    rollback (its service), and its incidents close as rolled back, not verified."""
    if any(s.kind is StepKind.PROBE for s in settings.procedure.steps):
        return []
    findings = [
        Finding(
            "strategies",
            (index, "name"),
            f"strategy {quoted(strategy.name)} has no verify command, and the procedure no"
            ' stability check (a step of kind "probe"): nothing verifies its rollback, and'
            " its incidents close as rolled back, not verified",
            warning=True,
        )
        for index, strategy in enumerate(settings.strategies)
        if not strategy.commands.verifies
    ]
    for index, strategy in enumerate(settings.strategies):
        if restart := strategy.service_unchecked(strategy.values_in(None, {})):
            findings.append(
                Finding(
                    "strategies",
                    (index, "name"),
                    f"strategy {quoted(strategy.name)} restarts the service ({restart}), but"
                    " its verify checks only what it changed, and the procedure has no"
                    ' stability check (a step of kind "probe"): a restart that exits 0 with'
                    " the service down passes it, and its incidents close as rolled back, not"
                    " verified (give the parameter `check` the service's own health or"
                    " status command)",
                    warning=True,
                )
            )
    return findings


def undetectable_drills(settings: Settings) -> list[Finding]:
    """Each scenario awaiting an automatic trigger that no trigger of triggers.toml fires
    on its systems: the drill would declare it itself and fail on detection, every time."""
    findings = []
    for index, scenario in enumerate(settings.drills.scenarios):
        kind = scenario.trigger
        systems = scenario.all_systems
        watched = [t for t in settings.triggers.triggers if t.kind is kind and t.system in systems]
        if kind.automatic and not watched:
            findings.append(
                Finding(
                    "drills",
                    ("scenarios", index, "trigger"),
                    f"scenario {quoted(scenario.name)} awaits {kind.value}, but no trigger of"
                    f" triggers.toml fires it on {', '.join(systems)}: the drill would fail"
                    " on detection (add that trigger, or declare a manual kind with a reason)",
                    warning=True,
                )
            )
    return findings


def untimed_drills(settings: Settings) -> list[Finding]:
    """Each scenario expecting `verified` where the procedure has no stability check (a
    step of kind "probe"): nothing times the recovery from the fault to verified stable,
    and the drill fails on it, every time."""
    if any(s.kind is StepKind.PROBE for s in settings.procedure.steps):
        return []
    return [
        Finding(
            "drills",
            ("scenarios", index, "expect"),
            f"scenario {quoted(scenario.name)} expects verified, but the procedure has no"
            ' stability check (a step of kind "probe"): its recovery time is never measured,'
            " and the drill fails on it (add a probe step after the restore)",
            warning=True,
        )
        for index, scenario in enumerate(settings.drills.scenarios)
        if scenario.expect == "verified"  # a StrEnum: no drill model imported here
    ]


def unjudged_integrity(settings: Settings) -> list[Finding]:
    """Each scenario whose integrity is judged on its strategy's own records (`after =
    "strategy"`) with a strategy that keeps none (not `data_touching`): every host then
    has no record after the drill, and the drill fails on it, every time."""
    findings = []
    for index, scenario in enumerate(settings.drills.scenarios):
        if scenario.integrity is None or scenario.integrity.after != "strategy":
            continue
        names = {part.strategy for part in scenario.plan}
        bare = sorted(
            s.name for s in settings.strategies if s.name in names and not s.data_touching
        )
        if bare:
            findings.append(
                Finding(
                    "drills",
                    ("scenarios", index, "integrity", "after"),
                    f"scenario {quoted(scenario.name)} judges integrity on the strategy's own"
                    f" records, but {', '.join(map(quoted, bare))} keeps none (no"
                    " `data_touching = true`): every host would have no record after the"
                    ' drill (set it, and print `integrity` lines; or `after = "baseline"`)',
                    warning=True,
                )
            )
    return findings


def demo_faults(settings: Settings) -> list[Finding]:
    """Each demo fault (`inject`) of a configuration other than the demo's: `drill` refuses
    that scenario every time, as the demo fleet runs on its own configuration alone."""
    return [
        Finding(
            "drills",
            ("scenarios", index, "faults", number, "inject"),
            f"scenario {quoted(scenario.name)} injects the demo fault {quoted(fault.inject)},"
            " which exists on the demo fleet only: on your hosts write a `command` that sets"
            " the fault, with its `undo`",
        )
        for index, scenario in enumerate(settings.drills.scenarios)
        for number, fault in enumerate(scenario.faults)
        if fault.inject
    ]


def unchecked_rollouts(settings: Settings) -> list[Finding]:
    """Each gradual strategy whose verify runs `check` with none configured, which has no
    `health` stage, and a system of which no probe watches (probes are read after each
    step): every step passes once the flags read its percentage, however the application
    fares, and the rollout reaches 100 % unchecked."""
    findings = []
    for index, strategy in enumerate(settings.strategies):
        stepping = STRATEGY_KINDS[strategy.kind].stepping
        check = next((p for p in strategy.params if p.name == "check"), None)
        systems = [s for s in settings.inventory.systems if strategy.name in s.strategies]
        if (
            stepping
            and check is not None
            and not (check.default or "").strip()
            and "check" in placeholders(strategy.commands.verify or "")
            and not strategy.commands.health
            and not (systems and all(s.probes for s in systems))
        ):
            findings.append(
                Finding(
                    "strategies",
                    (index, "name"),
                    f"strategy {quoted(strategy.name)} re-enables step by step, but nothing"
                    " checks the application between steps: each passes once the flags read"
                    " its percentage (give the parameter `check` a default,"
                    " [strategies.commands] health, or its systems [[systems.probes]])",
                    warning=True,
                )
            )
    return findings


def unwatched_canaries(settings: Settings) -> list[Finding]:
    """Each strategy whose waves put a canary first (more than one wave on its systems'
    hosts) with nothing that watches it: no probe of its systems reads each host (the
    console judges those between waves, on the hosts changed so far; one reading the
    whole system is not judged there), and nothing of its own checks each host beyond
    the preset's files (no `check`, no `health`, no verify written for it). The next wave
    then starts on the canary's exit statuses alone: a canary worth nothing. A gradual
    re-enable that checks nothing is `unchecked_rollouts`'s."""
    rollouts = {f.loc[0] for f in unchecked_rollouts(settings)}
    findings = []
    for index, strategy in enumerate(settings.strategies):
        systems = [s for s in settings.inventory.systems if strategy.name in s.strategies]
        hosts = sum(len(s.hosts) for s in systems)
        if index in rollouts or len(strategy.waves.plan(hosts)) < 2:
            continue
        watched = systems and all(any(p.per_host for p in s.probes) for s in systems)
        if watched or _checks_each_host(strategy):
            continue
        findings.append(
            Finding(
                "strategies",
                (index, "waves"),
                f"strategy {quoted(strategy.name)} puts a canary first, but nothing watches it:"
                " no probe of its systems reads each host, and no check of its own (the"
                " preset's verify reads files): the next wave starts on the canary's exit"
                " status alone (add [[systems.probes]] that read each host, or give the"
                " parameter `check` a default, or [strategies.commands] health)",
                warning=True,
            )
        )
    return findings


def whole_repositories(settings: Settings) -> list[Finding]:
    """Each git config restore of the whole repository (`paths = "."`, the preset's
    default) with `revision = previous`: `previous` is then the revision before the
    repository's last commit, whatever that touched. etckeeper commits /etc every day and
    at every apt run: walked, `previous` restored resolv.conf to before a daily autocommit,
    the bad delivery under it kept, and the run said rolled back and verified."""
    findings = []
    for index, strategy in enumerate(settings.strategies):
        values = strategy.values_in(None, {})
        if (
            strategy.kind is StrategyKind.CONFIG_RESTORE
            and strategy.preset == "git"
            and values.get("paths", "").strip() == "."
            and values.get("revision") == "previous"
        ):
            findings.append(
                Finding(
                    "strategies",
                    (index, "preset"),
                    f"strategy {quoted(strategy.name)} restores the whole repository (paths"
                    " = '.'): revision = previous is the revision before its last commit,"
                    " whatever that touched (etckeeper commits /etc daily and at every apt"
                    " run), not the one before the delivery; name the paths deliveries"
                    ' change ({ name = "paths", default = "nginx" })',
                    warning=True,
                )
            )
    return findings


def countless_triggers(settings: Settings) -> list[Finding]:
    """Each automatic trigger on a `log` probe where neither it nor the probe sets a
    threshold: the probe reads a count of matches, and with no threshold every count reads
    healthy, so the trigger never fires. (A `command` probe may judge by words, and an
    `http` one by status: there a missing threshold is the probe's own business; `probe`
    says so of a number it reads.)"""
    findings = []
    for index, trigger in enumerate(settings.triggers.triggers):
        system = next((s for s in settings.inventory.systems if s.name == trigger.system), None)
        probe = (
            next((p for p in system.probes if p.name == trigger.probe), None) if system else None
        )
        if probe is None or probe.kind is not ProbeKind.LOG:
            continue
        if trigger.threshold is None and probe.threshold is None:
            findings.append(
                Finding(
                    "triggers",
                    ("triggers", index, "name"),
                    f"trigger {quoted(trigger.name)}: neither it nor probe"
                    f" {trigger.system}/{probe.name} sets a threshold, so no count of matches"
                    " fires it (give one of them `threshold`: 0 fires on any match)",
                    warning=True,
                )
            )
    return findings


def _checks_each_host(strategy: Strategy) -> bool:
    """Whether something of the strategy's own checks each host after its action: a
    `health` stage, a `check` with a default that the verify runs, or a verify written for
    it (not the preset's, which reads the files it changed)."""
    commands = strategy.commands
    values = strategy.values_in(None, {})
    named = placeholders(commands.verify or "")
    if commands.health or any(
        (values.get(n) or "").strip() for n in ("check", "running") if n in named
    ):
        return True
    try:
        preset = find_preset(strategy.kind, strategy.preset) if strategy.preset else None
    except ValueError:
        preset = None
    preset = preset or default_preset(strategy.kind)
    return bool(commands.verify) and (preset is None or commands.verify != preset.verify)


def defaults_ahead(settings: Settings, now: datetime) -> list[Finding]:
    """Each strategy default that `run` refuses as a time ahead of `now` (a recovery to a
    point in time no commit has reached): check-config refuses it too, at its line (what
    it accepts runs)."""
    findings = []
    for index, strategy in enumerate(settings.strategies):
        preset = find_preset(strategy.kind, strategy.preset) if strategy.preset else None
        defaults = {p.name: p.default for p in strategy.params if p.default is not None}
        if preset and (ahead := preset.ahead(defaults, now)):
            name, why = ahead
            said = f"strategy {quoted(strategy.name)}: the default of {name}, {why}"
            findings.append(Finding("strategies", (index, "name"), said))
    return findings
