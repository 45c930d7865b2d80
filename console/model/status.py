"""How a host and a step stand, and why a host failed: a symbol and a word for each."""

from __future__ import annotations

from enum import StrEnum


class HostStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"
    ABORTED = "aborted"
    NOT_STARTED = "not started"
    HELD = "held"  # a gradual re-enable stopped between stages: it stays at the stage reached
    REFUSED = "refused"  # its precheck found nothing to do (NOTHING_TO_DO): nothing changed

    @property
    def symbol(self) -> str:
        return HOST_SYMBOLS[self]


HOST_SYMBOLS = {
    HostStatus.PENDING: "·",
    HostStatus.RUNNING: "▶",
    HostStatus.SUCCEEDED: "✔",
    HostStatus.FAILED: "✘",
    HostStatus.UNKNOWN: "?",
    HostStatus.ABORTED: "■",
    HostStatus.NOT_STARTED: "○",
    HostStatus.HELD: "◐",
    HostStatus.REFUSED: "⊘",
}

# The exit status of a precheck that refuses a host for good: it has nothing to do there
# (rolled back already, by another incident; the flags off already). Nothing after the
# precheck is sent, and a retry would be refused again: the way on is what its last
# stderr line names (skip the step, another strategy, a named target). Any other non-zero
# exit fails the host, as a problem a person may fix and retry.
NOTHING_TO_DO = 120


class FailureClass(StrEnum):
    """Why a host failed; each class is distinct in events, UI and export."""

    UNREACHABLE = "unreachable"
    REFUSED = "connection refused"
    AUTH = "authentication failed"
    HOSTKEY_UNKNOWN = "host key unknown"
    HOSTKEY_MISMATCH = "host key mismatch"
    TIMEOUT = "timeout"
    CONNECTION_LOST = "connection lost mid-command"
    NONZERO_EXIT = "non-zero exit"
    SIGNAL = "killed by signal"
    INTEGRITY = "integrity mismatch"


# Failures before any command ran on the host: nothing was sent there.
NEVER_RAN = frozenset(
    {
        FailureClass.UNREACHABLE,
        FailureClass.REFUSED,
        FailureClass.AUTH,
        FailureClass.HOSTKEY_UNKNOWN,
        FailureClass.HOSTKEY_MISMATCH,
    }
)


# A host key mismatch's words when known_hosts marks the key offered @revoked (engine's
# refusal), which the console's k reads to say why it is never accepted.
REVOKED_KEY = " is REVOKED: "


def lost_mid_change(failure: FailureClass | None, stage: str | None) -> bool:
    """A connection lost while a command ran that may change the host (any stage but a
    precheck, which only looks): it may have done its work, or part of it, so the host's
    outcome is unknown (verify before retrying), not failed."""
    return failure is FailureClass.CONNECTION_LOST and stage != "precheck"


def looks_only(stage: str | None) -> bool:
    """A stage that reads the host after its change ended: the verify, the health checks
    (`health`, a gradual stage's `check 25%`, `health 25%`)."""
    return stage is not None and (
        stage == "verify" or stage.split(" ", 1)[0] in ("health", "check")
    )


# The exit status of a verify that finds the change still under way on its host (a
# database still replaying WAL after the console died mid-restore: the server, detached
# from the command, went on without it). Its outcome is not known yet: the host stays
# unknown, to be verified again (V) once the change has finished, never "failed", which
# would read as a change that did not work (and let a retry send it again). 75 is
# sysexits' EX_TEMPFAIL.
STILL_UNDER_WAY = 75


# The exit status of a command that failed and left its host where a retry cannot go on
# until the strategy's undo puts back what the attempt changed (a restore that did not
# finish: the data directory replaced, the recovery stopped). The host fails as any
# non-zero exit fails it; the console then names the undo as the way on, never a retry,
# which the next precheck would refuse. Only a strategy's stages are believed: a command
# step's, an ad-hoc command's or an `exec`'s (COMMAND_STAGE) has no undo, and its 121 is
# the tool's own code (the console said 'u undoes what it left first (a retry is refused
# until then)' of a command step, u doing nothing and t not offered).
UNDO_FIRST = 121
COMMAND_STAGE = "run"  # the one stage of a command step, an ad-hoc command, an exec


def says_undo_first(exit_status: int | None, stage: str | None) -> bool:
    """Whether an exit status is believed to say UNDO_FIRST: a strategy's stage's only."""
    return exit_status == UNDO_FIRST and stage != COMMAND_STAGE


# The exit status of a command that failed having changed nothing on its host: its work
# was one transaction, which the database rolled back (a sql migration reversal's psql
# --single-transaction stopped by an error, a lock timeout). The host fails, as any
# non-zero exit fails it, and is not counted changed: nothing is said to need its undo.
# Only the console's own SQL wrapper is believed (`says_rolled_back`): a custom action or
# an `exec` that exits 122 (a tool's own code) may have changed its host, as any failure.
ROLLED_BACK = 122
ROLLED_BACK_SAID = "rolled back: the database is as before"
# The other preset command believed to exit ROLLED_BACK: a PostgreSQL restore's action that
# found no data directory to replace and could not move the staged backup in (it stopped
# no cluster, moved nothing aside): the document read "it may have changed the host".
NOTHING_CHANGED_SAID = "nothing was changed on this host"


def says_rolled_back(command: str | None) -> bool:
    """Whether `command` (as sent) is one of the console's own commands whose exit status
    ROLLED_BACK is believed: the SQL wrapper, which says ROLLED_BACK_SAID before it exits
    so, or the restore's action, which says NOTHING_CHANGED_SAID."""
    return command is not None and any(
        f'echo "{said}' in command for said in (ROLLED_BACK_SAID, NOTHING_CHANGED_SAID)
    )


def exit_said(exit_status: int, stage: str, command: str | None) -> str:
    """`exit status 122: nothing changed there, its transaction rolled back`: the number,
    and in words what it means where the console gives it a meaning (docs/strategies.md);
    else the number alone."""
    meaning = ""
    if exit_status == ROLLED_BACK and says_rolled_back(command):
        meaning = "nothing changed there"
        meaning += ", its transaction rolled back" if ROLLED_BACK_SAID in (command or "") else ""
    elif says_undo_first(exit_status, stage):  # a command step's 121 is its tool's own
        meaning = "the undo goes first, a retry cannot go on there before it"
    elif still_under_way(stage, exit_status):
        meaning = "still under way on the host"
    return f"exit status {exit_status}" + (f": {meaning}" if meaning else "")


# A verify that did not end (its timeout, a signal, its connection lost) found nothing,
# though V counts its host as failed (folded so: a wedged service stays retriable and
# undoable, where an unknown host would hold its lock); V's finding there opens with
# UNENDED_VERIFY, never "verified: failed", which says the verify found the change not made.
UNENDED = frozenset({FailureClass.TIMEOUT, FailureClass.SIGNAL, FailureClass.CONNECTION_LOST})
UNENDED_VERIFY = "failed, not verified:"


def settled(found: str) -> bool:
    """Whether V's finding on a host (`verified: succeeded`, `verified: failed`, an
    UNENDED_VERIFY, or why it stays unknown) settled it: succeeded or failed."""
    return found.startswith(("verified:", UNENDED_VERIFY))


def still_under_way(stage: str | None, exit_status: int | None) -> bool:
    """A verify that said the change is still under way on its host (STILL_UNDER_WAY)."""
    return stage == "verify" and exit_status == STILL_UNDER_WAY


def unverified(failure: FailureClass | None, stage: str | None) -> bool:
    """A look at the host after its change (a verify, a health check) that never reached
    it (down, refused, a partition): whether the change is there is not known, as when
    the look's connection drops. A host whose action may have run, down when V came,
    read 'verified: failed' (the change not made) and folded as failed, to be retried."""
    return failure in NEVER_RAN and looks_only(stage)


def outcome_unknown(
    failure: FailureClass | None, stage: str | None, exit_status: int | None
) -> bool:
    """Whether a command that did not succeed leaves its host's outcome unknown (lost
    mid-change, its change still under way, or its look at the host never sent) rather
    than failed."""
    return lost_mid_change(failure, stage) or (
        failure is not None and (still_under_way(stage, exit_status) or unverified(failure, stage))
    )


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    HELD = "held"  # its gradual re-enable was stopped between stages: neither done nor failed
    REFUSED = "refused"  # prechecks found nothing to do on hosts (the others succeeded)
    # Its waves stopped before some hosts (a no between waves, a crash then V), none of
    # them failed: neither done nor failed, a retry goes on with the hosts not started.
    STOPPED = "stopped"
    # Its waves were halted before some hosts by a probe not healthy (or not read) on the
    # hosts changed so far, none of them failed: a retry goes on with the hosts not started,
    # once the cause is dealt with. Not `stopped`, which a no (or nobody to ask) says.
    HALTED = "halted"
    # A connection was lost while a change ran on some hosts, or their verify found the
    # change still under way, none failed: neither done nor failed until V verifies them
    # (then done, stopped or failed as it shows).
    UNKNOWN = "unknown"

    @property
    def symbol(self) -> str:
        return STEP_SYMBOLS[self]

    @property
    def between_waves(self) -> bool:
        """Its waves stopped (or were halted) before some hosts, none of them failed."""
        return self in (StepStatus.STOPPED, StepStatus.HALTED)

    @property
    def finished(self) -> bool:
        return self in (StepStatus.DONE, StepStatus.SKIPPED)


STEP_SYMBOLS = {
    StepStatus.PENDING: "☐",
    StepStatus.RUNNING: "▶",
    StepStatus.DONE: "☑",
    StepStatus.FAILED: "✘",
    StepStatus.SKIPPED: "⤼",
    StepStatus.HELD: "◐",
    StepStatus.REFUSED: "⊘",
    StepStatus.STOPPED: "◌",
    StepStatus.HALTED: "⊗",
    StepStatus.UNKNOWN: "?",
}


def aborted_only(statuses: set[HostStatus]) -> bool:
    """Whether a failed step's hosts stopped because a person aborted it, none failing
    of itself: it reads aborted, not failed."""
    return HostStatus.ABORTED in statuses and HostStatus.FAILED not in statuses


def step_said(status: str, summary: str) -> str:
    """A finished step's status as said: `failed` whose summary's counts are hosts a
    person stopped, none failing of itself (`2 aborted`), reads `aborted`, as the
    checklist's ■ aborted (aborted_only) does."""
    counts = summary.split(", ")
    stopped = any(c.endswith(" aborted") for c in counts)
    if status == "failed" and stopped and not any(c.endswith(" failed") for c in counts):
        return "aborted"
    return status


def before_retrying(by_hand: bool) -> str:
    """What a host whose outcome is unknown needs before a retry: its step's verify
    (V), or, for a step with no verify to run (a procedure's command step, an undo, an
    ad-hoc command: V then only says whether the attempt still runs), a check by hand."""
    return "check by hand before retrying" if by_hand else "verify before retrying"


HUNG_UP = "stopped before it began: "  # a host a headless command's hang-up left unsent
PRECHECK_RAN = ": its precheck ran, nothing changed there"  # and after it, one hung up then


def detached_reason(why: str | None) -> str:
    """How a detach is said: the commander chose it, or why nobody could be asked (the
    terminal closed, a SIGTERM)."""
    return f"the console quit (detached: {why})" if why else "the console quit (detached)"
