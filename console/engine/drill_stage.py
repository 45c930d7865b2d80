"""Setting a drill's stage and clearing it: the integrity baseline before the fault, the
faults (the demo's, or configured commands with their undo), the integrity after the
rollback, and the undo. Every command runs like a step: intent first, journalled."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from console.engine.integrity import Summary, differences, integrity_payload, parse_line
from console.engine.plan import host_command
from console.engine.run_plan import HostOutcome
from console.engine.targets import targets_for
from console.model.events import Event, Kind
from console.model.payloads import CommandOutput
from console.model.state import HostStatus
from console.model.status import FailureClass
from console.model.step_state import AFTER_STEP, BASELINE_STEP, FAULT_STEP, HostRun, fault_steps
from console.model.visible import clip, visible

if TYPE_CHECKING:
    from console.engine.conductor import Conductor
    from console.model.drills import Fault, Scenario

WHY_WIDTH = 100  # of a host's own words on why a fault or its undo failed there


class DemoFaults(Protocol):
    """The demo fleet's fault injection, handed in by whoever started the fleet."""

    async def inject(self, spec: str) -> None: ...

    async def clear(self, spec: str) -> None: ...


class Stage:
    """One drill's stage on one incident."""

    def __init__(self, conductor: Conductor, scenario: Scenario, demo: DemoFaults | None):
        self.conductor, self.scenario, self.demo = conductor, scenario, demo
        self.baseline: dict[str, Summary] = {}
        # each fault, the hosts its command was sent to, and its number (its steps:
        # fault_steps); by number, the hosts where that command failed, each with why
        self.injected: list[tuple[Fault, list[str], int]] = []
        self.not_in_place: dict[int, dict[str, str]] = {}
        self.aborted: str | None = None  # an abort the undo's runs would clear

    def _hosts(self, hosts: list[str], systems: list[str]) -> list[str]:
        inventory = self.conductor.settings.inventory
        return hosts or [h.name for s in systems for h in inventory.system(s).hosts]

    async def _run(
        self,
        step: str,
        title: str,
        hosts: list[str],
        template: str,
        stage: str,
        judge: Callable[[dict[str, HostOutcome], dict[str, list[str]]], None] | None = None,
    ) -> dict[str, HostOutcome]:
        """`template` on `hosts` as a step of its own; its outcomes. `judge` reads them and
        each host's stdout before the step completes: what it records is the step's."""
        conductor = self.conductor
        state, recorder = conductor.state, conductor.recorder
        targets = targets_for(conductor.settings.inventory, hosts)
        redact = conductor.secrets.redact
        rendered = {
            t.name: [(stage, host_command(state, template, t, {}, redact))] for t in targets
        }
        runs = state.step(step).hosts
        attempt = 1 + max((r.attempt for r in runs.values()), default=0)
        tries = {h: 1 + (runs[h].attempt if h in runs else 0) for h in hosts}  # each its own
        data = {"title": title, "phase": "drill"}
        recorder.record(Kind.STEP_STARTED, step=step, hosts=hosts, attempt=attempt, **data)
        lines: dict[str, list[str]] = {}

        def collect(event: Event) -> None:
            output = event.data
            stdout = isinstance(output, CommandOutput) and output.stream == "stdout"
            if stdout and event.where.step == step and event.where.host:
                lines.setdefault(event.where.host, []).extend(event.payload(CommandOutput).lines)

        stop = recorder.subscribe(collect)
        try:  # a running step, as any: shown running, asked about on quit, abortable
            with conductor.activity.running({step}):
                outcomes = await conductor.runner.run(
                    step, targets, lambda t: rendered[t.name], attempt=attempt, tries=tries
                )
        finally:
            stop()
        if judge is not None:
            judge(outcomes, lines)
        # As every step ends: `? unknown` where a connection was lost mid-command and none
        # failed, `◌ stopped` where some never started, never `✘ failed` for those.
        conductor.execution.complete(step, outcomes, data)
        return outcomes

    # -- integrity ------------------------------------------------------------------

    async def take_baseline(self) -> list[str]:
        """The data as it is before the fault; what could not be read, as problems."""
        check = self.scenario.integrity
        if check is None:
            return []
        hosts = self._hosts(check.hosts, self.scenario.all_systems)
        title = "Drill: integrity baseline, before the fault"
        problems: list[str] = []

        def judge(outcomes: dict[str, HostOutcome], lines: dict[str, list[str]]) -> None:
            for host in hosts:
                summary = _summary(lines.get(host, []))
                if outcomes[host].status is not HostStatus.SUCCEEDED or summary is None:
                    problems.append(f"integrity baseline: none from {host} ({self._unread(host)})")
                    continue
                self.baseline[host] = summary
                self._record(host, BASELINE_STEP, "baseline", summary, None, "recorded", "")

        await self._run(BASELINE_STEP, title, hosts, check.command, "baseline", judge)
        return problems

    def _unread(self, host: str) -> str:
        """Why `host` gave no baseline, as its step recorded it: the report said only
        `none from web-2`, where the timeline named the connection refused."""
        run = self.conductor.state.step(BASELINE_STEP).hosts.get(host)
        if run is None or run.status is HostStatus.SUCCEEDED:
            return "its command printed no `integrity` line"
        said = run.detail or (run.failure.value if run.failure else run.status.value)
        return f"{said}: {run.last_error}" if run.last_error else said

    async def check_after(self) -> None:
        """The data after the rollback: judged against the baseline, or recorded for the
        strategy's own records to judge; on your own hosts not read where a host's outcome
        is unknown (missing there: nothing more is sent to it)."""
        check = self.scenario.integrity
        if check is None or not self.baseline:
            return
        unknown = self._unknown()
        hosts = [h for h in self.baseline if h not in unknown]  # nothing more is sent there
        for host in [h for h in self.baseline if h in unknown]:
            expected = self.baseline[host] if check.after == "baseline" else None
            why = "not read: its outcome is unknown (a change may still run there)"
            self._record(host, AFTER_STEP, "after", None, expected, "missing", why)
        title = "Drill: integrity after the rollback"

        def judge(outcomes: dict[str, HostOutcome], lines: dict[str, list[str]]) -> None:
            for host in hosts:
                found = _summary(lines.get(host, []))
                expected = self.baseline[host] if check.after == "baseline" else None
                if outcomes[host].status is not HostStatus.SUCCEEDED or found is None:
                    why = "no integrity summary after the rollback"
                    self._record(host, AFTER_STEP, "after", None, expected, "missing", why)
                    continue
                diffs = differences(found, expected) if expected else []
                verdict = ("mismatch" if diffs else "match") if expected else "recorded"
                detail = "; ".join(diffs)
                self._record(host, AFTER_STEP, "after", found, expected, verdict, detail)

        if hosts:
            await self._run(AFTER_STEP, title, hosts, check.command, "after", judge)

    def _record(
        self,
        host: str,
        step: str,
        stage: str,
        found: Summary | None,
        expected: Summary | None,
        verdict: str,
        detail: str,
    ) -> None:
        self.conductor.recorder.record(
            integrity_payload(stage, found, expected, verdict, detail),
            system=self.conductor.state.hosts.get(host),
            host=host,
            step=step,
        )

    # -- faults ---------------------------------------------------------------------

    async def inject(self) -> list[str]:
        """Each fault in order, recorded when it is in place (the recovery clock starts
        at the first); the first that cannot be injected stops the drill."""
        for fault in self.scenario.faults:
            if fault.inject:
                problem = await self._inject_demo(fault)
            else:
                problem = await self._inject_command(fault)
            if problem:
                return [problem]
        return []

    async def _inject_demo(self, fault: Fault) -> str | None:
        if self.demo is None:
            return f"fault {fault.label}: demo faults need the demo fleet (--demo)"
        try:
            await self.demo.inject(fault.inject or "")
        except ValueError as exc:
            return f"fault {fault.label}: {exc}"
        host = fault.demo_host or ""
        self.injected.append((fault, [host], 0))
        self._fault_record(Kind.DRILL_FAULT, fault, [host], kind="demo", inject=fault.inject)
        return None

    async def _inject_command(self, fault: Fault) -> str | None:
        hosts = self._hosts(fault.hosts, fault.systems)
        # Numbered in the incident, so that no fault's runs read as another's (nor another
        # drill's, in the same journal).
        steps = self.conductor.state.steps
        number = 1 + sum(1 for s in steps if s.startswith(f"{FAULT_STEP}-"))
        title = f"Drill: inject fault {fault.label}"
        step = fault_steps(number)[0]
        outcomes = await self._run(step, title, hosts, fault.command or "", "fault")
        # where it was sent: its undo goes there alone (not where a host was never
        # reached, nor where an abort came while it was being reached), and not where its
        # command said it failed (its record says so, and gives the undo to run by hand)
        runs = self.conductor.state.step(step).hosts
        if touched := [h for h in outcomes if h in runs and not runs[h].nothing_sent()]:
            failed = {h: _why(outcomes[h], runs[h]) for h in touched if _said_failed(outcomes[h])}
            self.injected.append((fault, touched, number))
            self.not_in_place[number] = failed
        short = _fell_short(outcomes, self.conductor.state.step(step).hosts)
        if short:  # "everywhere" only where it is in place somewhere (not of one host)
            some = any(o.status is HostStatus.SUCCEEDED for o in outcomes.values())
            return f"fault {fault.label} was not injected{' everywhere' * some}: {short}"
        # in place on a host once its command there ended: the recovery clock starts at
        # the first, not once the slowest host's ended (this event's own time)
        ended = [(r.finished_seq, e) for h in hosts if (r := runs.get(h)) and (e := r.finished)]
        first = {"in_place_at": min(ended)[1].isoformat()} if ended else {}
        self._fault_record(
            Kind.DRILL_FAULT, fault, hosts, kind="command", command=fault.command, **first
        )
        return None

    async def undo(self) -> None:
        """Put back every fault injected, the last first, whatever the drill's result;
        on your own hosts, not where a host's outcome is unknown (a change may still run
        there, and an undo would also hide from its verify what that change did). An
        abort before or during an undo is kept in `aborted` (each run clears it)."""
        closing = self.conductor.closing
        closing.undoing_faults = True
        try:
            await self._undo()
        finally:
            closing.undoing_faults = False
        self.aborted = self.aborted or self.conductor.runner.aborted or closing.held_abort

    async def _undo(self) -> None:
        for fault, hosts, number in reversed(self.injected):
            self.aborted = self.aborted or self.conductor.runner.aborted
            if fault.inject:
                ok, detail = await self._clear_demo(fault)
                self._fault_record(Kind.DRILL_FAULT_UNDONE, fault, hosts, ok=ok, detail=detail)
                continue
            held = sorted(set(hosts) & self._unknown())
            failed = self.not_in_place.get(number, {})
            sent = [h for h in hosts if h not in held and h not in failed]
            short, left = "", list(held)
            if sent:
                title = f"Drill: undo fault {fault.label}"
                step = fault_steps(number)[1]
                outcomes = await self._run(step, title, sent, fault.undo or "", "undo")
                short = _fell_short(outcomes, self.conductor.state.step(step).hosts)
                left += [h for h in sent if outcomes[h].status is not HostStatus.SUCCEEDED]
            by_hand = self._by_hand(fault)
            said = [f"undo {short}; to undo it by hand there: {by_hand}"] if short else []
            if held:
                said.append(
                    f"undo not sent to {', '.join(held)}: its outcome is unknown (a change may"
                    " still run there); undo it there once the verify by hand has answered:"
                    f" {by_hand}"
                )
            detail = "; ".join(said)
            if failed:  # said, whatever the rest: the undo skipped there, and why
                undone = f"undone on {', '.join(sent)}; " if sent and not said else ""
                detail = "; ".join([*said, undone + _never_in_place(failed, by_hand)])
            self._fault_record(
                Kind.DRILL_FAULT_UNDONE, fault, hosts, ok=not said, detail=detail, left=sorted(left)
            )

    def _by_hand(self, fault: Fault) -> str:
        """The fault's undo as a person runs it by hand: whole, where it pastes as it is
        (one line, nothing to fill in), else where drills.toml has it: one cut with '…',
        or with a `{{host}}` left in, would not work pasted."""
        undo = (fault.undo or "").strip()
        if undo and "\n" not in undo and "{{" not in undo and visible(undo) == undo:
            return undo
        where = f"“{fault.label}” of scenario {self.scenario.name} in drills.toml"
        filled = ", its {{...}} filled in for the host" if "{{" in undo else ""
        return f"the undo of fault {visible(where, one_line=True)}{filled}"

    def _unknown(self) -> set[str]:
        """The hosts whose outcome is unknown, on your own hosts (the demo fleet is gone at
        the end): nothing more is sent there."""
        if self.demo is not None:
            return set()
        return {h for _, h in self.conductor.state.unknown_hosts}

    async def _clear_demo(self, fault: Fault) -> tuple[bool, str]:
        assert self.demo is not None
        try:
            await self.demo.clear(fault.inject or "")
        except ValueError as exc:
            return False, str(exc)
        return True, ""

    def _fault_record(self, event: Kind, fault: Fault, hosts: list[str], **data: Any) -> None:
        state = self.conductor.state
        systems = sorted({state.hosts.get(h) or "" for h in hosts} - {""})
        self.conductor.recorder.record(
            event,
            system=systems[0] if len(systems) == 1 else None,
            name=fault.label,
            hosts=hosts,
            **data,
        )


def _fell_short(outcomes: dict[str, HostOutcome], runs: Mapping[str, HostRun]) -> str:
    """The hosts that did not succeed, by how they ended, each with why ('failed on
    app-1 (exit status 3: cannot write there); outcome unknown on app-2 (connection
    lost mid-command)'); empty when every host succeeded."""
    words = {HostStatus.UNKNOWN: "outcome unknown", HostStatus.NOT_STARTED: "not started"}
    by: dict[str, list[str]] = {}
    for host, outcome in sorted(outcomes.items()):
        if outcome.status is not HostStatus.SUCCEEDED:
            how = words.get(outcome.status, outcome.status.value)
            by.setdefault(how, []).append(host + _why(outcome, runs.get(host)))
    return "; ".join(f"{how} on {', '.join(hosts)}" for how, hosts in by.items())


def _said_failed(outcome: HostOutcome) -> bool:
    """Its command ran there to its end and exited non-zero: taken as not in place, its
    undo not sent (one timed out, killed or cut off is undone: it may be in place)."""
    return outcome.status is HostStatus.FAILED and outcome.failure is FailureClass.NONZERO_EXIT


def _never_in_place(failed: dict[str, str], by_hand: str) -> str:
    """`undo not sent to app-2 (exit status 1): the fault's command failed there; if any
    of it took effect, undo it there by hand: ...` (a command that changed something,
    then failed, left that in place: its exit status cannot say)."""
    where = ", ".join(f"{h}{why}" for h, why in sorted(failed.items()))
    return (
        f"undo not sent to {where}: the fault's command failed there; if any of it took"
        f" effect, undo it there by hand: {by_hand}"
    )


def _why(outcome: HostOutcome, run: HostRun | None) -> str:
    """' (exit status 3: its last stderr line)', or its failure class and what it said."""
    failure = outcome.failure.value if outcome.failure else ""
    how = f"exit status {outcome.exit_status}" if outcome.exit_status is not None else failure
    told = run and outcome.status in (HostStatus.FAILED, HostStatus.REFUSED)  # its own words
    said = clip(visible(run.said(), one_line=True), WHY_WIDTH) if run and told else ""
    parts = [p for p in (how, said) if p]
    return f" ({': '.join(parts)})" if parts else ""


def _summary(lines: list[str]) -> Summary | None:
    """The last `integrity` line's summary, whatever its stage."""
    parsed = [p for p in map(parse_line, lines) if p]
    return parsed[-1][1] if parsed else None
