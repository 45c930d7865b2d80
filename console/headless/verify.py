"""`verify ID`: the verify by hand of a closed incident's hosts left unknown, as an
incident of its own; what it found is noted in the closed incident. Of an open one (a
run or a console that ended with hosts unknown): V's verify, in that incident itself. Its modules are
imported inside the command: nothing of the journal's payloads loads at start-up."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from console.headless.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNKNOWN,
    RunOptions,
    hung_up,
    meanwhile,
    reachable,
)

EACH = 5  # hosts said a line each; past them, a line for those said alike
NAMED = 3  # hosts a line of those said alike names (console.model.outcome.named)
VERIFIES = "verify sends what is shown"  # a file changed since the incident opened

if TYPE_CHECKING:
    from console.engine.closed_verify import VerifyPlan
    from console.engine.conductor import Conductor
    from console.engine.session import Engine
    from console.model.events import Event
    from console.model.settings import Settings


async def run_verify_closed(
    settings: Settings, journal: Path, only: list[str], options: RunOptions
) -> int:
    """Run the closed incident's verify on its unknown hosts (`only`: these of them):
    each host's output and what it found, then how the locks went. 0: the change was
    made on every host; 1: its verify failed on some (or aborted); 4: some still unknown."""
    from console.engine.closed_verify import plan_verify, run_verify
    from console.engine.conductor import new_incident_id
    from console.engine.config_kept import incident_redactor, said_since_opening
    from console.engine.kept_locks import drill_faults_left
    from console.engine.port_written import refused_port
    from console.engine.session import Engine
    from console.headless.adhoc import ExecPrinter
    from console.headless.common import abort_on_signals

    async with reachable(settings, [], options.demo) as settings:
        engine = Engine.build(settings, demo=options.demo)
        try:
            loaded = engine.read(journal)
            # its records masked as the incident's: the secrets it opened with too
            redactor = incident_redactor(loaded.events, settings, loaded.path)
            plan = plan_verify(settings, loaded.state, loaded.path, only, redactor.text)
            incident_id = new_incident_id(engine.clock.now())
            kept_by = (plan.incident, *_earlier_verifies(loaded.events))
            claim = engine.claim(incident_id, plan.systems, options.take_over_lock, None, kept_by)
            conductor = engine.incident(claim, redactor=redactor)
            title = f"Verify by hand of incident {plan.incident}"
            again = _again(engine, plan)
            conductor.opening.open(title, incident_id, with_locks=True, verifies=again)
            opening = f"incident {plan.incident}'s opening"  # a file changed since: said
            if since := said_since_opening(
                loaded.events, settings, loaded.path, VERIFIES, conductor, opening
            ):
                print(f"! {since}", flush=True)
            _print_lost(conductor)
            _print_commands(plan)
            printer = ExecPrinter(refused_port(settings), findings=True)
            conductor.recorder.subscribe(printer)
            with abort_on_signals(conductor):
                found = await run_verify(conductor, plan, (loaded.state.integrity, loaded.events))
            faults = drill_faults_left(loaded.state)[1]
            kept, for_faults = _close(conductor, plan, found, faults)
            noted = _noted(engine, plan, conductor, found, kept, for_faults)
        finally:
            await engine.close()  # releases what is still held (journalled)
    _print_found(plan, found, printer.hints)
    return _report(conductor, plan, found, kept, noted, again, for_faults)


async def run_verify_open(
    settings: Settings, journal: Path, only: list[str], options: RunOptions
) -> int:
    """V, headless: the step's verify on the hosts an open incident left unknown (a run,
    or a console, that ended with them so), in that incident itself, as resume then V
    runs it (the earlier attempt asked first: where it still runs, nothing is sent).
    The incident stays open: its locks are kept while a host is still unknown, else
    released; a retry, the steps left and the close are the console's (`resume`). Each
    host's finding on stdout; 0: the change was made on every host, 1: not on some (or
    aborted), 4: some still unknown."""
    from console.engine.attempts import verify_unknown
    from console.engine.closed_verify import (
        answered,
        plan_verify,
        settle_headless,
        verify_again,
        where,
    )
    from console.engine.config_kept import incident_redactor, said_since_opening
    from console.engine.port_written import refused_port
    from console.engine.session import Engine
    from console.headless.adhoc import ExecPrinter
    from console.headless.common import abort_on_signals
    from console.model.invocation import again
    from console.model.visible import visible

    async with reachable(settings, [], options.demo) as settings:
        engine = Engine.build(settings, demo=options.demo)
        try:
            loaded = engine.read(journal)
            shown = incident_redactor(loaded.events, settings, loaded.path).text  # as recorded
            plan = plan_verify(settings, loaded.state, loaded.path, only, shown)  # refusals first
            conductor = engine.resumed(loaded, options.take_over_lock)
            recorder = conductor.recorder
            if since := said_since_opening(
                recorder.events, settings, recorder.path, VERIFIES, conductor
            ):
                print(f"! {since}", flush=True)
            _print_commands(plan)
            printer = ExecPrinter(refused_port(settings), findings=True)
            conductor.recorder.subscribe(printer)
            recorded = len(conductor.state.integrity)
            with abort_on_signals(conductor):
                found = await verify_unknown(conductor, plan.hosts)
            why, settle = conductor.runner.hung_up, settle_headless(plan.journal)
            kept = conductor.let_go("the verify ended", why, settle=settle)
        finally:
            await engine.close()
    _print_found(plan, _with_data(plan, found, conductor.state.integrity[recorded:]), printer.hints)
    still = [h for h in plan.hosts if not answered(found.get(h, ""))]
    held = f"; its locks held ({', '.join(kept)})" if kept else ""
    again_ = verify_again(plan.journal)
    said = (
        f"verify: incident {plan.incident} stays open{held}:"
        + (f" verify again once the change has finished ({again_});" if still else "")
        + f" a retry, the steps left and the close are the console's:"
        f" {again(f'resume {where(plan.journal)}')}{meanwhile(conductor)}"
    )
    print(visible(said, one_line=True), file=sys.stderr)
    return _code(conductor, plan.hosts, found)


def _earlier_verifies(events: Sequence[Event]) -> list[str]:
    """The verifies by hand of this closed incident before (a lock one kept again is
    theirs until taken back), as its `unknown.verified` amendments name them."""
    from console.model.events import Kind
    from console.model.payloads import UnknownVerified

    verified = (e.payload(UnknownVerified) for e in events if e.kind == Kind.UNKNOWN_VERIFIED)
    return [v.by for v in verified if v.by]


def _print_lost(conductor: Conductor) -> None:
    """Each lock another incident took over since the close (or since an earlier verify
    kept it again), first: what the verify finds there may be that incident's doing."""
    from console.model.visible import visible

    for lost in conductor.locks_lost:
        print(visible(f"verify: {lost}", one_line=True), file=sys.stderr, flush=True)


def _print_commands(plan: VerifyPlan) -> None:
    """What is sent to each host, its first line after the workdir's `cd` as the journal
    records it (secrets masked): a preset's verify whole on one line was a wall of 1,500
    characters a host, above what it found; `--dry-run` prints it whole."""
    from console.model.alike import grouped
    from console.model.templates import headline
    from console.model.visible import visible

    for step in plan.steps:
        sent: dict[str, tuple[str, str, int]] = {}
        for host, (stage, command) in step.commands.items():
            sent[host] = (stage, *headline(command.shown))
        if len(sent) <= EACH:  # a line a host
            alike = [([host], said) for host, said in sent.items()]
        else:  # past EACH, a line for the hosts sent the same: 200 lines of one command
            alike = grouped(sent)  # above what it found, at 200 hosts (seen)
        if len(alike) > EACH:  # each host its own (its name or workdir in it): said once
            for hosts, stage in grouped({h: stage for h, (stage, _, _) in sent.items()}):
                said = (
                    f"# {_some(hosts)}: {stage} of {step.step!r} (incident {plan.incident}):"
                    f" {len(hosts)} commands, each host its own: --dry-run prints them"
                )
                print(visible(said, one_line=True), flush=True)
            continue
        for hosts, (stage, first, rest) in alike:
            lines = f" … ({rest + 1} lines: --dry-run prints them)" if rest else ""
            said = f"# {_some(hosts)}: {stage} of {step.step!r} (incident {plan.incident}): {first}"
            print(visible(said, one_line=True) + lines, flush=True)


def _some(hosts: list[str]) -> str:
    """`web-2`, or `64 hosts (web-2, web-3, web-4 +61 more)`."""
    from console.model.outcome import named

    return hosts[0] if len(hosts) == 1 else f"{len(hosts)} hosts ({named(hosts)})"


def _found(plan: VerifyPlan, found: dict[str, str]) -> dict[str, str]:
    return {h: found.get(h, "not verified: not run") for h in plan.hosts}


def _with_data(plan: VerifyPlan, found: dict[str, str], records: list) -> dict[str, str]:
    """Each host's finding with the data after that its verify recorded, judged as the run
    judges it (`; data after in database orders: orders=3 (match); restored to ...`), as
    the verify of a closed incident says it: an open one's said `verified: succeeded`
    alone, a mismatch with the expected rows nowhere on its lines."""
    from console.engine.closed_verify import data_after

    said = dict(found)
    for step in plan.steps:
        for host in step.commands:
            if host in said:
                said[host] += data_after(records, step.step, host)
    return said


def _print_found(plan: VerifyPlan, found: dict[str, str], hints: dict[str, str]) -> None:
    """What the verify found: a line a host, or past EACH hosts a line a finding, the
    most first, a few of its hosts named (at 200 hosts, 200 lines; the record, the note
    in a closed incident and the document name every host), and under a finding other
    than succeeded every host it names, one line, as `--hosts` takes them: those are the
    hosts to act on (seen: `64 hosts (h0129, h0130, h0131 +61 more): verified: failed`,
    and nothing said the other 61). `hints`: what a host's finding adds (ExecPrinter's)."""
    from console.model.alike import grouped, lines_alike
    from console.model.visible import visible

    per_host = {h: said + hints.get(h, "") for h, said in _found(plan, found).items()}
    for line in lines_alike(per_host, EACH).splitlines():
        print(visible(line, one_line=True))
    if len(per_host) > EACH:
        for hosts, said in sorted(grouped(per_host), key=lambda group: -len(group[0])):
            if len(hosts) > NAMED and not said.startswith("verified: succeeded"):
                print(visible(f"  all {len(hosts)}: {','.join(hosts)}", one_line=True))


def _close(
    conductor: Conductor, plan: VerifyPlan, found: dict[str, str], faults: list[str]
) -> tuple[list[str], tuple[list[str], list[str]]]:
    """Close the verifying incident: the locks of the systems of hosts still unknown
    kept (`lock.kept`), and of a drill's `faults` still in place (its close kept them
    for both: walked, a verify that answered let go of web's lock with the drill's bad
    release still on web-2, and the next drill there read its baseline from it), the
    others released. The systems kept for hosts unknown; those for faults, and where."""
    from console.engine.closed_verify import answered
    from console.model.events import Kind
    from console.model.outcome import Outcome, outcome_label

    still = [h for h in plan.hosts if not answered(found.get(h, ""))]
    failed = [h for h in plan.hosts if found.get(h, "").startswith("verified: failed")]
    of = f"verify by hand of incident {plan.incident}"
    if aborted := conductor.runner.aborted:
        outcome, reason = Outcome.ABORTED, f"{of}: {aborted}"
    elif still:
        outcome, reason = Outcome.FAILED, f"{of}: outcome still unknown on {', '.join(still)}"
    elif failed:
        outcome, reason = Outcome.FAILED, f"{of}: its verify failed on {', '.join(failed)}"
    else:
        outcome, reason = Outcome.COMPLETED, f"{of}: the change was made on {', '.join(plan.hosts)}"
    inventory, label = conductor.settings.inventory, outcome_label(outcome, reason)
    unsettled = {inventory.system_of(h).name for h in still}  # a change may still run there
    faulty = [h for h in faults if h in inventory.host_names]  # on this configuration's
    at_fault = {inventory.system_of(h).name for h in faulty}
    held = conductor.locking.keep(sorted(unsettled | at_fault))  # as a close keeps them
    kept = [s for s in held if s in unsettled]
    if kept:
        conductor.recorder.record(Kind.LOCK_KEPT, systems=kept, hosts=still, closed_as=label)
    # A system kept for a host unknown is kept for its fault too, and said so: once that
    # host answers, the lock stays for the fault (seen: only "verify again" was said).
    for_faults = [s for s in held if s in at_fault]
    if only := [s for s in for_faults if s not in unsettled]:  # as the drill's close keeps
        conductor.recorder.record(Kind.LOCK_KEPT, systems=only, hosts=[], closed_as=label)
    left = sorted(h for h in faulty if inventory.system_of(h).name in for_faults)
    conductor.release_locks(left_open=False)  # the others: every host there answered
    conductor.close(outcome, reason, confirmed=True)
    return kept, (for_faults, left)


def _noted(
    engine: Engine,
    plan: VerifyPlan,
    conductor: Conductor,
    found: dict[str, str],
    kept: list[str],
    for_faults: tuple[list[str], list[str]],
) -> tuple[str, str]:
    """What the verify found, as a note in the closed incident (an amendment): what its
    next reader needs (and the verdicts, which its banner reads). What to say of it
    (recorded: where, its findings printed above, a line each: all of them on one line
    were 17,000 characters at 64 hosts; not recorded: its whole text, to add by hand),
    and why it was not recorded (another process writes that journal), else ""."""
    from console.engine.kept_locks import fault_kept_said
    from console.journal.journal_lock import JournalInUse
    from console.model.events import Kind

    hosts = "; ".join(f"{h}: {said}" for h, said in _found(plan, found).items())
    released = [s for s in plan.systems if s not in for_faults[0]]
    if kept:
        after = f"lock{'s' if kept[1:] else ''} on {', '.join(kept)} kept again: verify again"
        after += " once the change has finished"
    else:
        after = f"lock{'s' if released[1:] else ''} on {', '.join(released)} released"
    if for_faults[0]:  # a drill's fault still in place there
        after = "; ".join([*([after] if kept or released else []), fault_kept_said(*for_faults)])
    since = "".join(f"; {lost}" for lost in conductor.locks_lost)
    path = conductor.recorder.path
    head = f"verify by hand, incident {conductor.state.incident_id} (journal {path})"
    text = f"{head}: {hosts}; {after}{since}"
    try:
        closed = engine.open_existing(plan.journal, [])  # claims nothing: it is closed
    except JournalInUse as busy:  # a console amends it: never a second writer
        return text, str(busy)
    try:
        verdicts = {h: found.get(h, "not verified: not run") for h in plan.hosts}
        by = conductor.state.incident_id
        closed.recorder.record(Kind.UNKNOWN_VERIFIED, verdicts=verdicts, by=by, amendment=True)
        closed.note(text)
    finally:
        closed.recorder.close()
    n = len(plan.hosts)  # its findings are printed above, a line each
    return f"{head}: what it found on {n} host{'s' * (n != 1)} (above); {after}{since}", ""


def _again(engine: Engine, plan: VerifyPlan) -> str:
    """`verify`'s argument for the incident again: its id where that finds it (under the
    journal root), else its directory."""
    from console.journal.files import JOURNAL_NAME

    if (engine.journal_root / plan.incident / JOURNAL_NAME).resolve() == plan.journal.resolve():
        return plan.incident
    return str(plan.journal.parent.resolve())


def _report(
    conductor: Conductor,
    plan: VerifyPlan,
    found: dict[str, str],
    kept: list[str],
    noted: tuple[str, str],
    again: str,
    for_faults: tuple[list[str], list[str]],
) -> int:
    """The locks and the note on stderr (each host's finding is on stdout above); the
    exit status."""
    from console.engine.kept_locks import fault_kept_said
    from console.headless.adhoc import taken_over_lines
    from console.model.outcome import verify_by_hand
    from console.model.visible import visible

    for line in taken_over_lines(conductor, [*kept, *for_faults[0]]):
        print(line.replace("exec:", "verify:", 1), file=sys.stderr)
    text, refused = noted
    if refused:  # the finding stands: only its note in the closed incident is missing
        said = (
            f"verify: {refused}. The note was NOT recorded in incident {plan.incident}; add"
            f" it there by hand (the console's command palette: Add a note): {text}"
        )
    else:
        said = f"verify: noted in incident {plan.incident}: {text}{meanwhile(conductor)}"
    print(visible(said, one_line=True), file=sys.stderr)
    if kept:
        said = (
            f"verify: the lock{'s' if kept[1:] else ''} on {', '.join(kept)}"
            f" stay{'' if kept[1:] else 's'} held: verify again once the change has finished:"
            f" {verify_by_hand(again)}"
        )
        print(visible(said, one_line=True), file=sys.stderr)
    if for_faults[0]:
        print(visible(f"verify: {fault_kept_said(*for_faults)}", one_line=True), file=sys.stderr)
    return _code(conductor, plan.hosts, found)


def _code(conductor: Conductor, hosts: list[str], found: dict[str, str]) -> int:
    """0: the change was made on every host; 1: not on some, or aborted; 4: some still
    unknown; 129 once its terminal closed as it ran (the lines say how it went)."""
    from console.engine.closed_verify import answered

    if conductor.runner.aborted:
        return EXIT_FAILED
    if any(not answered(found.get(h, "")) for h in hosts):
        return hung_up(conductor, EXIT_UNKNOWN)
    ok = all(found[h].startswith("verified: succeeded") for h in hosts)
    return hung_up(conductor, EXIT_OK if ok else EXIT_FAILED)
