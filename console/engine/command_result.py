"""How an ended command is recorded: its output flushed and counted, an abort's and a
precheck's refusal's words, as one CommandResult."""

from __future__ import annotations

import time

from console.engine.failures import NOT_SENT, ExecResult
from console.engine.output_batcher import OutputBatcher
from console.journal.files import OUTPUT_NAME
from console.model.payloads import CommandResult
from console.model.status import NOTHING_TO_DO, FailureClass, exit_said
from console.model.templates import not_entered


def _aborted(reason: str | None, ended: ExecResult, here: bool) -> str:
    """An aborted command's detail: the abort's reason, and whether it was sent at all
    (one on the jump host, `here`, reaches no host: it waited its turn for open files)."""
    if ended == NOT_SENT:
        why = "not started on the jump host" if here else "its host was still being reached"
        return f"aborted: {reason}; nothing sent ({why})"
    return f"aborted: {reason}"


def command_result(
    ended: ExecResult,
    batchers: dict[str, OutputBatcher],
    stage: str,
    final: bool,
    abort: str | None,
    started: float,
    command: tuple[str, str],
    here: bool = False,
) -> CommandResult:
    """The record of `command` (as sent, supervised; as recorded) that ended as `ended`
    (`abort`: the run's abort reason, if any; `started`: its monotonic start; `here`: run
    on the jump host); its non-zero exit status said with what it means, where the
    console gives it a meaning."""
    lines = 0
    for stream in ("stdout", "stderr"):
        if (batcher := batchers.get(stream)) is not None:
            batcher.flush()
            lines += batcher.count
    # Stopped, or done with this stage as the abort came: its next is not sent.
    aborted = bool(abort and (ended.exit_status != 0 or not final))
    refused = None
    # An undo finding nothing to undo there (a change since) refuses as a precheck does.
    if stage in ("precheck", "undo") and ended.exit_status == NOTHING_TO_DO and not aborted:
        said = [b.last for name in ("stderr", "stdout") if (b := batchers.get(name))]
        refused = next((line for line in said if line), "").strip() or "nothing to do"
    detail = ended.detail
    if ended.failure is FailureClass.NONZERO_EXIT and ended.exit_status is not None:
        detail = exit_said(ended.exit_status, stage, command[0])
        error = batcher.last if (batcher := batchers.get("stderr")) else ""
        if directory := not_entered(command[1], ended.exit_status, error):
            detail = (
                f"exit status {ended.exit_status}: its work directory {directory} could not"
                " be entered; nothing of the command ran"
            )
    # None: not said, never written.
    return CommandResult(
        stage=stage,
        final=final,
        # Aborted before it was sent: nothing was killed there ("killed by signal: ...
        # nothing sent" said both); its detail says so.
        failure=None if aborted and ended == NOT_SENT else ended.failure,
        signal=ended.signal,
        exit_status=ended.exit_status,
        detail=_aborted(abort, ended, here) if aborted else detail,
        refused=refused,
        fingerprint=ended.fingerprint,
        logins_dropped=sum(n for _, n in ended.dropped) or None,
        dropped_at=dict(ended.dropped) or None,
        aborted=aborted or None,
        duration=round(time.monotonic() - started, 3),
        output_lines=lines,
        output_file=OUTPUT_NAME if lines else None,
    )
