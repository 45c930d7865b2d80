"""What the console measured and told: probe samples, soak rounds, recovery time, data
integrity, notifications."""

from typing_extensions import TypedDict

from console.model.event_kinds import Kind
from console.model.payloads.base import JsonObject, Number, Payload
from console.model.payloads.record import Field

Value = Number | str | None  # what a probe printed: a number, a status word, or nothing


class HostValue(TypedDict, total=False):
    value: Value
    error: str | None
    flagged: bool
    detail: str


class ProbeSample(Payload):
    """One reading of a probe: in `output.jsonl`."""

    KIND = Kind.PROBE_SAMPLE
    probe: str = Field(description="`system/probe`")
    at: str = Field(description="when (ISO 8601, UTC)")
    value: Value = Field(None, description="the combined value: a number, a word, or null")
    state: str = Field(description="`healthy`, `bad` or `inconclusive`")
    threshold: Number | None = Field(None, description="the threshold it is judged against")
    detail: str = Field("", description="why it is bad or an error, in words")
    unit: str = Field("", description="the unit of `value` and `threshold` (`ms`), if any")
    hosts: dict[str, HostValue] = Field(
        {}, description="{host: {`value`, `error`, `flagged`, `detail`}}"
    )
    journalled: str | None = Field(
        None,
        description="why this sample was journalled: `change` (its state changed), `periodic`"
        " (one in `journal_every`), `held` (taken before the journal was attached: the first"
        " of the unhealthy run it ends, and the latest), `soak` (a round of a stability"
        " check: every one is)",
    )


class SoakProbe(TypedDict, total=False):
    value: Value
    shown: str
    state: str
    threshold: str | None
    unit: str | None


class SoakProgress(Payload):
    """A round of the stability soak: the probes must stay healthy for `needed` rounds."""

    KIND = Kind.SOAK_PROGRESS
    attempt: int = Field(1, description="the soak's attempt")
    healthy: int = Field(0, description="healthy rounds in a row")
    needed: int = Field(0, description="healthy rounds needed")
    round: int = Field(0, description="rounds so far")
    limit: int = Field(0, description="rounds allowed")
    status: str = Field(description="`running`, `passed` or `failed`")
    detail: str = Field("", description="why, in words")
    probes: dict[str, SoakProbe] = Field(
        {},
        description="{probe: {`value`, `shown` (as the tables show it: `610 ms`, or for a"
        " vote of status words `1/3 bad`), `state`, `threshold` (what counts as bad, e.g."
        " `> 0.05`), `unit` (e.g. `ms`)}}",
    )


class StageProbe(SoakProbe, total=False):
    hosts: dict[str, HostValue]


class RolloutProbed(Payload):
    """A gradual strategy's health check after a stage (and its pause), before the next
    widens it: one round of the affected systems' probes. One not healthy (bad, or not
    read) holds the rollout at this stage (`rollout.held` follows, its reason `detail`)."""

    KIND = Kind.ROLLOUT_PROBED
    strategy: str = Field(description="the strategy")
    percent: Number = Field(description="the share the stage switched on")
    index: int = Field(description="the stage, from 1")
    of: int = Field(description="how many stages")
    next_percent: Number = Field(description="the share the next stage would switch on")
    ok: bool = Field(description="every probe read healthy: the rollout may go on")
    confirmed: bool = Field(
        False,
        description="read again on the commander's yes to the next stage, given after the"
        " probes could read again: the round that yes is judged on (else the one it was asked"
        " on)",
    )
    probes: dict[str, StageProbe] = Field(
        {},
        description="{probe: {`value`, `shown`, `state`, `threshold`, `unit`, `hosts`: the"
        " hosts not healthy, {host: {`value`, `error`, `flagged`, `detail`}}}}",
    )
    detail: str = Field("", description="the probes not healthy, their hosts and values, in words")


class WaveProbed(Payload):
    """A strategy's health check after a wave (and its pause), before the next wave starts:
    one round of the affected systems' probes, each judged on the hosts that succeeded so far (a
    probe read once for the whole system is left out: it mixes them with the hosts not
    rolled back yet). One not healthy there (bad, or not read) halts the run (`run.halted`
    follows): the hosts of later waves are not started."""

    KIND = Kind.WAVE_PROBED
    wave: int = Field(description="the wave just finished, from 1")
    of: int = Field(description="how many waves")
    hosts: list[str] = Field([], description="the hosts judged: their change succeeded so far")
    ok: bool = Field(description="every probe read healthy: the next wave may start")
    confirmed: bool = Field(
        False,
        description="read again on the commander's yes to the next wave, given after the"
        " probes could read again: the round that yes is judged on (else the one it was asked"
        " on)",
    )
    probes: dict[str, StageProbe] = Field(
        {},
        description="{probe: {`value`, `shown`, `state`, `threshold`, `unit`, `hosts`: the"
        " hosts not healthy, {host: {`value`, `error`, `flagged`, `detail`}}}}",
    )
    detail: str = Field("", description="the probes not healthy, their hosts and values, in words")


class RecoveryMeasured(Payload):
    """How long a system took to recover, against its recovery time objective."""

    KIND = Kind.RECOVERY_MEASURED
    started: str = Field(description="when the clock started (ISO 8601, UTC)")
    verified: str = Field(description="when stability was verified")
    seconds: Number = Field(description="the recovery time")
    rto_minutes: Number | None = Field(None, description="the objective")
    verdict: str = Field(
        description="`within target`, `target exceeded`, or `no target` (older journals:"
        " `within RTO`, `RTO exceeded`)"
    )
    clock: str | None = Field(
        None,
        description="`wall`: `seconds` is the wall clock's, `verified` less `started` (its clock"
        " started in another process, a console since ended); absent: the monotonic clock's"
        " (journals before 2026-12-06: the wall clock's)",
    )
    wall_step: Number | None = Field(
        None,
        description="seconds the wall clock was stepped (NTP, by hand) while the recovery was"
        " timed, when a second or more: `verified` less `started` differs from `seconds` by"
        " it, the record's times read across the step",
    )


class RecoveryStop(TypedDict):
    timeline: int
    stopped: str


class IntegrityRecorded(Payload):
    """A data-touching strategy's summary of the data, before or after the change."""

    KIND = Kind.INTEGRITY_RECORDED
    strategy: str | None = Field(None, description="the strategy")
    stage: str = Field(description="`before` or `after`")
    checksum: str | None = Field(None, description="the data's checksum")
    rows: dict[str, int] = Field({}, description="{table: rows}")
    absent: list[str] = Field(
        [], description="tables named (`tables`) that the database does not have: not measured"
    )
    database: str | None = Field(
        None,
        description="the database the tables were counted in (the PostgreSQL presets'"
        " `database`), when the command said it",
    )
    expected: JsonObject | None = Field(None, description="the summary it must match (`after`)")
    verdict: str = Field(description="`recorded`, `match`, `mismatch` or `missing`")
    detail: str = Field("", description="what differs, in words")
    recovery: RecoveryStop | None = Field(
        None,
        description="where a recovery stopped, as its verify printed it (`recovery"
        " timeline=N stopped=...`), with the after: {`timeline` (the one it promoted to),"
        " `stopped` (PostgreSQL's words from that timeline's history file: `before"
        ' 2025-05-16 10:29:30.25+00`, `at restore point "x"`, `after LSN 0/3000060`,'
        " `reached consistency`, `no recovery target specified`)}",
    )
    restored: str | None = Field(
        None,
        description="what the data was brought back to, as its verify printed it (`restored"
        " to ...`), with the after: `backup /var/backups/pg/nightly (started 2025-05-16"
        " 02:00:03 UTC); the data directory before it is kept at ...`, `schema version 1"
        " (from 2, reversing 2_note.down.sql)`",
    )
    checks: list[str] = Field(
        [],
        description="what the verify checked on the database and found, as it printed them"
        " (`checked: ...`, a line each), with the after: `recovery stopped at the restore"
        " point before-deploy-42, as asked (...)`, `the last transaction replayed committed"
        " at ...`, `accepting connections on PostgreSQL 15.4`; since 2026-12-05",
    )


class NotificationSent(Payload):
    """A message went out on a channel (the attempt; its result follows)."""

    KIND = Kind.NOTIFICATION_SENT
    channel: str = Field(description="the channel's name; `command` for a step's own command")
    kind: str = Field("", description="slack, pagerduty, webhook, command")
    target: str = Field("", description="where, without the secret")
    message: str = Field("", description="the message")
    severity: str = Field("info", description="info, warning, error, critical")
    payload: JsonObject | None = Field(None, description="the JSON sent, less its secrets")
    command: str | None = Field(None, description="the command run, for a command channel")
    repeat: int | None = Field(None, description="the nth periodic update")
    lifecycle: str | None = Field(
        None, description="PagerDuty's incident event: trigger, acknowledge, close"
    )
    action: str | None = Field(None, description="the PagerDuty event_action sent")


class NotificationResult(Payload):
    """How a notification went."""

    KIND = Kind.NOTIFICATION_RESULT
    sent: int = Field(description="the seq of its `notification.sent`")
    channel: str = Field(description="the channel's name")
    ok: bool = Field(description="delivered")
    status: int | None = Field(None, description="HTTP status or exit status")
    detail: str = Field("", description="what happened, in words")
    attempts: int = Field(1, description="tries")
    required: bool = Field(False, description="the step fails when it does")
    lines: list[str] | None = Field(None, description="a command's last output lines")
    repeat: int | None = Field(None, description="the nth periodic update")
    action: str | None = Field(
        None, description="the PagerDuty event_action of the incident event it answers"
    )
    unanswered: bool | None = Field(
        None,
        description="not delivered, and an attempt went out whole with no answer: it may have"
        " arrived (since 2026-12-06; before, the detail said `it may have arrived`)",
    )
