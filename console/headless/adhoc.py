"""`exec`: one command across hosts, journalled like a step."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from console.engine.closing import TAKE_OVER
from console.engine.conductor import Conductor, new_incident_id
from console.engine.errors import HostRefused, ProcedureError
from console.engine.host_trust import check_host_keys
from console.engine.port_written import refused_port
from console.engine.routes import refuse_unroutable
from console.engine.session import Engine
from console.headless.common import (
    EXIT_FAILED,
    EXIT_HUNG_UP,
    EXIT_OK,
    RunOptions,
    abort_on_signals,
    accept_hint,
    hung_up,
    meanwhile,
    reachable,
    refusal_as_json,
)
from console.journal.exec_json import write_exec_result
from console.journal.terminal_line import console_line
from console.model.events import Event, Kind
from console.model.invocation import again
from console.model.outcome import Outcome, kept_at_close, named
from console.model.payloads import CommandOutput, CommandResult, StepStarted
from console.model.settings import Settings
from console.model.state import HostStatus, IncidentState
from console.model.status import FailureClass, lost_mid_change, still_under_way
from console.model.step_state import is_adhoc
from console.model.visible import visible

if TYPE_CHECKING:  # the demo fleet is imported when a command uses it
    from console.demo.faults import Fault
    from console.engine.ssh import SshPool


async def run_exec(
    settings: Settings,
    faults: list[Fault],
    options: RunOptions,
    command: str,
    systems: list[str],
    hosts: list[str],
    pool: SshPool | None = None,
) -> int:
    """`pool`: the one these settings connect with, dialing `hosts` already (not on
    the demo fleet, whose settings are made as it starts)."""
    made: list[Conductor] = []  # the incident, once its journal is open
    aborted = ""  # why this exec was aborted, if it was
    kept: list[str] = []  # the systems whose locks stay held past this exec
    printer = ExecPrinter(refused_port(settings))

    def journal() -> Path | None:
        return made[0].recorder.path if made else None

    async with reachable(settings, faults, options.demo) as settings:
        engine = Engine.build(settings, demo=options.demo, pool=pool)
        engine.pool.one_command = True  # each host's connection ends with its command
        with refusal_as_json("exec", options.json, journal):
            try:
                # Keys that what is here refuses already, then the locks: a refusal
                # leaves no incident and writes to none.
                refuse_unroutable(engine.pool, settings.inventory, hosts)
                await check_host_keys(settings, engine.pool, options.accept_keys)
                if options.journal:
                    conductor = engine.open_existing(
                        Path(options.journal), systems, options.take_over_lock, open_only=True
                    )
                    made.append(conductor)
                    conductor.record_locks()  # said before anything is sent there
                    for lost in conductor.locks_lost:
                        print(f"exec: {lost}", file=sys.stderr, flush=True)
                    # hosts changed since it opened: nothing sent unless asked
                    from console.headless.config_changed import check_hosts_since_opening

                    check_hosts_since_opening(conductor, options.accept_config_change, options.json)
                else:
                    incident_id = new_incident_id(engine.clock.now())
                    claim = engine.claim(incident_id, systems, options.take_over_lock)
                    conductor = engine.incident(claim)
                    made.append(conductor)
                    title = f"Ad-hoc command on {', '.join(systems)}"
                    conductor.open_incident(title, incident_id, with_locks=True)
                if not options.json:
                    conductor.recorder.subscribe(printer)
                if options.accept_keys:  # run's module: exec loads it for keys given only
                    from console.engine.walk import accept_keys

                    try:
                        await accept_keys(conductor, options.accept_keys)
                    except ProcedureError as refused:
                        if not options.journal:
                            conductor.close(*_closing(refused))
                        elif isinstance(refused, HostRefused):  # on record there too
                            conductor.note(f"exec {_closing(refused)[1]}")
                        raise
                aborts = len(conductor.state.aborts)
                with abort_on_signals(conductor):
                    ok = await conductor.run_adhoc(command, hosts)
                if len(conductor.state.aborts) > aborts:  # Ctrl+C, TERM
                    aborted = conductor.state.aborts[-1].get("reason") or "aborted"
                if not options.journal:
                    where = f"on {len(hosts)} host(s)"
                    if ok:
                        conductor.close(Outcome.COMPLETED, f"ad-hoc command succeeded {where}")
                    elif unknown := sorted({h for _, h in conductor.state.unknown_hosts}):
                        lost = ", ".join(unknown)
                        conductor.close(  # their systems' locks kept past the close
                            Outcome.FAILED,
                            f"ad-hoc command {where}: outcome unknown on {lost} (the connection"
                            " was lost while it ran)",
                        )
                    elif aborted:
                        conductor.close(Outcome.ABORTED, f"ad-hoc command {where}: {aborted}")
                    elif conductor.runner.hung_up:  # nothing cut off: stopped, not aborted
                        conductor.close(Outcome.FAILED, _stopped(conductor, hosts))
                    else:
                        conductor.close(Outcome.FAILED, _failed(conductor.state, hosts))
                else:  # its locks kept while a host is unknown there, as run's
                    kept = conductor.let_go("exec ended", conductor.runner.hung_up)
            finally:
                await engine.close()  # releases the locks (journalled) and closes the journal
        code = hung_up(conductor, EXIT_OK if ok else EXIT_FAILED)  # 129: terminal closed
        if not options.json:
            for line in taken_over_lines(conductor, [*kept, *conductor.locks_kept]):
                print(line, file=sys.stderr)
        if not options.json and (said := printer.summary(hosts)):
            print(said, file=sys.stderr)
        if not options.json and (stuck := conductor.locking.stuck_said()):
            print(f"exec: {visible(stuck, one_line=True)}", file=sys.stderr)
        if conductor.state.closed and conductor.locks_kept and not options.json:
            state = conductor.state
            unknown = state.unknown_at_close
            said = kept_at_close(
                conductor.locks_kept,
                unknown,
                state.incident_id,
                commands=state.left_by_commands(unknown),
            )
            print(f"exec: {visible(said, one_line=True)}", file=sys.stderr)
        if kept and not options.json:
            # It named the console's R, of no use where exec runs: an exec again is a step
            # of its own, which settles nothing, so a retry there is the console's.
            where = shlex.quote(str(conductor.recorder.path.parent))
            lost = ", ".join(sorted({h for _, h in conductor.state.unknown_hosts}))
            print(
                f"exec: the incident is left open, its locks held ({', '.join(kept)}):"
                f" {TAKE_OVER}; {lost} settle{'' if ',' in lost else 's'} in the console (a"
                f" retry of the command there): {again(f'resume {where}')}, in a terminal",
                file=sys.stderr,
            )
        if aborted and not options.json:  # as run's last line says it
            said = f"exec: ABORTED: {aborted}; journal {conductor.recorder.path}"
            print(visible(said, one_line=True), file=sys.stderr)
        elif code == EXIT_HUNG_UP and not options.json:  # its terminal gone: stopped
            stopped = f"STOPPED: {_stopped(conductor, hosts)}"
            done = f"succeeded on {len(hosts)} host(s){meanwhile(conductor)}"
            said = f"exec: {done if ok else stopped}; journal {conductor.recorder.path}"
            print(visible(said, one_line=True), file=sys.stderr)
        if options.json:
            recorder = conductor.recorder
            step = next(
                e.where.step or ""
                for e in reversed(recorder.events.actions)
                if isinstance(e.data, StepStarted) and e.data.adhoc
            )
            events, path = recorder.events, recorder.path
            write_exec_result(sys.stdout, recorder.state, events, step, code, path)
        return code


def _closing(refused: ProcedureError) -> tuple[Outcome, str]:
    """How an incident closes when a key named by `--accept-host-key` is refused: as
    failed where its host was dialled and offered something else (exit status 1)."""
    if isinstance(refused, HostRefused):
        return Outcome.FAILED, f"--accept-host-key refused: {refused}; nothing was run"
    return Outcome.REFUSED, str(refused)


def taken_over_lines(conductor: Conductor, kept: list[str]) -> list[str]:
    """`exec: took over the stale lock of incident ID on web: REASON; released at its end`
    for each lock it took over (the verify by hand a close with a host unknown gives), or
    `; kept` when a host there is unknown (the lines after say why): without it, its
    output alone did not tell whether the lock was taken, nor that it was let go."""
    lines = []
    for event in conductor.recorder.events.actions:
        if event.kind == Kind.LOCK_TAKEN_OVER:  # its payloads' family built only then
            from console.model.payloads import LockTakenOver

            data = event.payload(LockTakenOver)
            system = event.where.system or "?"
            end = "kept" if system in kept else "released at its end"
            said = (
                f"exec: took over the stale lock of incident"
                f" {data.previous.get('incident')} on {system}: {data.reason}; {end}"
            )
            lines.append(visible(said, one_line=True))
    return lines


NAMED = 10  # hosts named in exec's closing line; the others counted


def _failed(state: IncidentState, hosts: list[str]) -> str:
    """The close's reason for an exec that failed: on which of its hosts. Seen: "ad-hoc
    command failed on 250 host(s)" for 33 failed of 250, in the journal, `list` and the
    document."""
    steps = [st for sid, st in state.steps.items() if is_adhoc(sid)]
    runs = steps[-1].hosts if steps else {}
    failed = [h for h in hosts if h in runs and runs[h].status is not HostStatus.SUCCEEDED]
    if not failed or len(failed) == len(hosts):
        return f"ad-hoc command failed on {len(hosts)} host(s)"
    return f"ad-hoc command failed on {len(failed)} of {len(hosts)} host(s): {named(failed)}"


def _stopped(conductor: Conductor, hosts: list[str]) -> str:
    """Why an exec its terminal's closing stopped ended so: `ad-hoc command on 3 host(s)
    stopped (terminal closed (SIGHUP)), not started on web-2, web-3`, and the hosts where
    it failed."""
    steps = [st for sid, st in conductor.state.steps.items() if is_adhoc(sid)]
    runs = steps[-1].hosts if steps else {}
    unsent = [h for h in hosts if h not in runs or runs[h].status is HostStatus.NOT_STARTED]
    sent = [h for h in hosts if h not in unsent]
    failed = any(runs[h].status is not HostStatus.SUCCEEDED for h in sent)
    said = f"ad-hoc command on {len(hosts)} host(s) stopped ({conductor.runner.hung_up})"
    said += f", not started on {named(unsent)}" if unsent else ""
    return said + (f"; {_failed(conductor.state, sent)}" if failed else "")


class ExecPrinter:
    """Each host's output as it comes, prefixed by host, and each failure as it happens;
    then, when some host did not succeed, one closing line that names them: at 1,000
    hosts the failures were 16 lines among ~1,000 of output, with nothing after them.
    `verify`'s (`findings`): no failure lines, its findings say each host once; what a
    host's would add (where its refused port was written, the key to accept) is kept in
    `hints` for its finding (seen: `app-1: not verified: no SSH answer ...`, then `app-1:
    FAILED (unreachable): ...` of the same host, which the verify had not failed)."""

    def __init__(
        self,
        refused: Callable[[str | None, str | None], str] = lambda h, d: "",
        findings: bool = False,
    ) -> None:
        self.bad: dict[str, list[str]] = {}  # FAILED / ... / NOT STARTED: their hosts
        self._refused = refused  # where a host's refused port was written, or ""
        self._findings = findings
        self.hints: dict[str, str] = {}  # `findings`: host -> what its finding adds

    def __call__(self, event: Event) -> None:
        data = event.data
        if isinstance(data, CommandOutput):
            stream = sys.stderr if data.stream == "stderr" else sys.stdout
            host = event.where.host
            stream.write("".join(f"{host}: {visible(line)}\n" for line in data.lines))
            stream.flush()
        elif event.kind == Kind.HOST_NOT_STARTED:  # aborted before its turn: one for all
            self.bad.setdefault("NOT STARTED", []).append(event.where.host or "?")
        elif event.kind == Kind.HOSTKEY_ACCEPTED:
            print(console_line(event), flush=True)
        elif isinstance(data, CommandResult) and (data.failure or data.aborted):
            host = event.where.host or "?"
            port = (
                self._refused(event.where.host, data.detail)
                if data.failure is FailureClass.REFUSED
                else ""
            )
            accept = accept_hint(event.where.host, data.failure, data.fingerprint)
            if self._findings:
                if port or accept:
                    self.hints[host] = port + accept
                return
            # Lost while it ran: it may have run to its end there, or part of the way; a
            # verify (`verify`) that found the change still under way does not know yet.
            lost = lost_mid_change(data.failure, data.stage)
            under_way = still_under_way(data.stage, data.exit_status)
            said = "ABORTED" if data.aborted else "UNKNOWN" if lost or under_way else "FAILED"
            self.bad.setdefault(said, []).append(host)
            why = f" ({data.failure})" if data.failure else ""  # none: aborted, never sent
            line = f"{event.where.host}: {said}{why}: {data.detail or ''}{port}"
            if lost:
                line += "; it may have run there: check before running it again"
            elif under_way:
                line += (
                    "; the change is still under way there: verify it again once it has finished"
                )
            line += accept
            print(visible(line, one_line=True), file=sys.stderr)

    def summary(self, hosts: list[str]) -> str:
        """`exec: 16 of 1000 host(s) did not succeed: 16 FAILED (web-006, ... +6 more)`,
        named in the order of `hosts` (as they finished, the list changed from run to run);
        empty when every host succeeded, or for one host (its own line is the last)."""
        total = len(hosts)
        if not self.bad or total < 2:
            return ""
        place = {host: index for index, host in enumerate(hosts)}
        count = sum(map(len, self.bad.values()))
        groups = []
        for said in ("FAILED", "UNKNOWN", "ABORTED", "NOT STARTED"):
            bad = sorted(self.bad.get(said, []), key=lambda h: place.get(h, total))
            if bad:
                more = f" +{len(bad) - NAMED} more" if len(bad) > NAMED else ""
                groups.append(f"{len(bad)} {said} ({', '.join(bad[:NAMED])}{more})")
        line = f"exec: {count} of {total} host(s) did not succeed: {'; '.join(groups)}"
        return visible(line, one_line=True)
