"""What the execution screen shows of each host: its row in the grid, and the lines of
its output pane (the commands sent, what they printed, how they ended)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from console.journal.event_phrases import logins_dropped
from console.model.events import Event
from console.model.payloads import CommandIntent, CommandOutput, CommandResult, SoakProgress
from console.model.state import HostRun, HostStatus
from console.model.status import FailureClass, before_retrying
from console.model.step_state import NEEDED_NOTHING
from console.model.templates import headline
from console.model.visible import clip, visible
from console.ui.palette import themed
from console.ui.screens.hostkeys import fingerprint_of
from console.ui.widgets.run_summary import soak_round_lines
from console.ui.widgets.status import status_text

if TYPE_CHECKING:
    from console.model.settings import Settings

COLUMNS = ("Host", "System", "Status", "Stage", "Try", "Failure", "Exit", "Last line")
# The columns that give way, in turn, when long names would push the status off the
# line: the system (often one for all), then the host; each keeps the cells given.
SQUEEZE = {COLUMNS.index("System"): 10, COLUMNS.index("Host"): 20}
FINISHED = {
    HostStatus.SUCCEEDED,
    HostStatus.FAILED,
    HostStatus.ABORTED,
    HostStatus.NOT_STARTED,
    HostStatus.HELD,
    HostStatus.REFUSED,
}
HOSTKEY = (FailureClass.HOSTKEY_UNKNOWN, FailureClass.HOSTKEY_MISMATCH)
# What "problems only" keeps: every host that did not (or may not have) succeeded, and
# those its precheck refused (left as they were); a held host succeeded at its stage.
PROBLEMS = {
    HostStatus.FAILED,
    HostStatus.ABORTED,
    HostStatus.UNKNOWN,
    HostStatus.NOT_STARTED,
    HostStatus.REFUSED,
}


# Where a refused host's port was written (console/engine/port_written.py's refused_port).
Refused = Callable[[str | None, str | None], str]


def nowhere(host: str | None, detail: str | None) -> str:
    return ""


class PortsWritten:
    """`refused_port` of the settings in use, made again only once they change."""

    def __init__(self) -> None:
        self._made: tuple[Settings, Refused] | None = None

    def of(self, settings: Settings) -> Refused:
        from console.engine.port_written import refused_port

        if self._made is None or self._made[0] is not settings:
            self._made = (settings, refused_port(settings))
        return self._made[1]


# The hosts whose reason is spelt out above their output.
WHY = {
    HostStatus.FAILED,
    HostStatus.REFUSED,
    HostStatus.ABORTED,
    HostStatus.NOT_STARTED,
    HostStatus.UNKNOWN,
}


def host_row(
    run: HostRun, needed_nothing: bool = False, by_hand: bool = False, refused: Refused = nowhere
) -> tuple:
    """The grid's row of `run`; `needed_nothing`: a host its precheck refused in a step
    done on the others (`StepState.needed_nothing`) reads `⊘ needed nothing`; `by_hand`:
    its step has no verify to run, so an unknown host is checked by hand; `refused`: where
    the port of a host that refused the connection was written."""
    status = status_text(run.status, 12)
    if needed_nothing:
        status = Text(f"{run.status.symbol} {NEEDED_NOTHING}", style=status.style)
    exit_text = (run.signal and f"SIG{run.signal}") or (
        "" if run.exit_status is None else str(run.exit_status)
    )
    return (
        run.host,
        run.system or "",
        status,
        run.stage or "",
        str(run.attempt or ""),
        Text(run.failure.value if run.failure else "", style=themed("$error")),
        exit_text,
        clip(_last(run, by_hand, refused), 160),
    )


def _reason(run: HostRun, refused: Refused) -> str:
    """What the host said (`HostRun.said`), else its result's detail; a host that refused
    the connection with where its port was written, as exec says it: 'connection refused
    by 127.0.0.1:28010' named no file to correct a mistyped port in (seen)."""
    said = run.said() or run.detail or ""
    if run.failure is FailureClass.REFUSED:
        said += refused(run.host, run.detail)
    return said


def _last(run: HostRun, by_hand: bool, refused: Refused) -> str:
    """The last column: unknown outcome, the offered host key, else what the host said
    (a failed host's last stderr line first)."""
    if run.status is HostStatus.UNKNOWN:
        return f"unknown: {before_retrying(by_hand)}"
    if run.failure in HOSTKEY:
        return f"offers {fingerprint_of(run) or 'an unreadable key'}"
    return _reason(run, refused)


def why_text(run: HostRun | None, refused: Refused = nowhere) -> Text | None:
    """Why the shown host did not succeed, whole (the pane above it wraps it): a failed
    host's last stderr line (else what its result said), why its precheck refused it, why
    it was aborted or not started, why its outcome is unknown (left running by a detach,
    still under way); None for a host with nothing to explain. The output pane cuts its
    lines at its width, and the reason is what a commander must read."""
    if run is None or run.status not in WHY:
        return None
    unknown = run.status is HostStatus.UNKNOWN  # the fold's words; not its last line, if any
    reason = (run.detail or "") if unknown else _reason(run, refused)
    if not reason:
        return None
    mark = status_text(run.status).style  # a refusal is not an error: its own colour
    return Text.assemble((f"{run.status.symbol} ", mark), visible(reason, one_line=True))


def output_lines(event: Event, step_id: str | None, host: str | None, accept: str) -> list[str]:
    """The lines `event` adds to the output pane of `host` in step `step_id` (the soak's
    rounds, for a probe step); `accept` names the key that accepts an unknown host key."""
    data = event.data
    if isinstance(data, SoakProgress) and event.where.step == step_id:
        return soak_round_lines(data)
    if event.where.step != step_id or event.where.host != host:
        return []
    if isinstance(data, CommandOutput):
        mark = "! " if data.stream == "stderr" else ""
        return [f"{mark}{line}" for line in data.lines]
    if isinstance(data, CommandIntent):
        first, more = headline(data.command)
        return [f"$ [{data.stage} · try {data.attempt}] {first}{' …' if more else ''}"]
    if isinstance(data, CommandResult):
        retried = [f"  {said}"] if (said := logins_dropped(data)) else []
        return _result_lines(data, accept) + retried
    return []


def _result_lines(data: CommandResult, accept: str) -> list[str]:
    detail = data.detail or ""
    if data.fingerprint:
        key = f"{accept} accepts it" if data.failure is FailureClass.HOSTKEY_UNKNOWN else ""
        return [f"✘ {data.failure}: {data.fingerprint} {key}", f"  {detail}"]
    if data.refused is not None:
        return [f"⊘ {data.stage} refused: nothing to do here, nothing more was sent ({detail})"]
    if data.failure:
        return [f"✘ {data.stage}: {data.failure} ({detail})"]
    return [f"✔ {data.stage}: exit 0"]
