"""PostgreSQL data rollbacks: restore a `pg_basebackup`, then recover from it to its
consistent point (`postgres-basebackup`), through archived WAL to the end, a restore
point or an LSN (`postgres-wal`), or to a time (`postgres-pitr`).

One procedure, three recovery targets (PostgreSQL docs, "Recovering Using a Continuous
Archive Backup"): the precheck unpacks the backup beside the data directory and verifies
it (pg_verifybackup against its manifest) while the cluster still runs (pg_staging.py); the
action stops the cluster, keeps its data directory aside, moves the staged one in with
`recovery.signal` and the recovery settings, starts it and waits for promotion (a new
timeline, so the WAL archive never sees two histories under one name: pg_swap.py); verify checks it
accepts connections, left recovery at the requested target (the new timeline's history
file says where recovery stopped) and records integrity; undo puts the replaced data
directory back (pg_undo.py). A retry in the same incident after a recovery that finished checks it
again rather than restore twice; one after a recovery that did not is refused (undo first).
"""

from __future__ import annotations

from collections.abc import Mapping

from console.model.kinds import StrategyKind
from console.model.param_types import ParamType
from console.model.presets.base import Preset, param
from console.model.presets.pg_pitr import (
    PITR_BACKUP_BEFORE_TARGET,
    PITR_CHECK,
    PITR_TARGET,
    PITR_TARGET_REACHED,
)
from console.model.presets.pg_staging import precheck
from console.model.presets.pg_swap import DROP_SETTINGS, action
from console.model.presets.pg_targets import (
    BACKUP_ARCHIVE_WHOLE,
    REASON_IS,
    WAL_CHECK,
    WAL_ONE_TARGET,
    WAL_POINT_FOUND,
    WAL_TARGET,
)
from console.model.presets.pg_undo import UNDO, UNDO_WEIGH
from console.model.presets.pgshell import (
    CONNECTION,
    EXPECT,
    LOCK_TIMEOUT,
    SERVER,
    SERVER_PRELUDE,
)
from console.model.status import STILL_UNDER_WAY, UNDO_FIRST

NEEDS = (
    "PostgreSQL server binaries of the cluster's major version (pg_ctl, psql, pg_isready,"
    " pg_verifybackup, pg_waldump)",
    "the login user owns the data directory and may write its parent directory",
    "room beside the data directory for one more copy of the cluster",
    "GNU tar, coreutils and date",
)

ARCHIVE = param(
    "archive",
    "directory of archived WAL (archive_command's target)",
    type=ParamType.PATH,
    required=True,
)
ARCHIVE_OPTIONAL = param(
    "archive",
    "directory of archived WAL, if the cluster archives: the restored cluster then picks"
    " a timeline the archive does not hold yet; empty: none",
    default="",
    pattern=r"|[A-Za-z0-9._/+-][A-Za-z0-9._/+@-]{0,1023}",
    takes="a directory of letters, digits, '.', '_', '/', '+', '@', '-', or empty (none)",
)
BACKUP = param(
    "backup",
    "the pg_basebackup directory: base.tar[.gz] (+ pg_wal.tar[.gz]) or a plain copy,"
    " with its backup_manifest",
    type=ParamType.PATH,
    required=True,
)


def _verify(check: str) -> str:
    """Up, out of recovery, stopped where asked (`check` reads $reason), integrity after."""
    return (
        SERVER_PRELUDE
        + """\
# recovery.signal: a recovery not finished (the console that started it died, and the
# server went on without it). Verify looks, it never starts a recovery itself.
if [ -e "$pgdata/recovery.signal" ]; then
  at=$(LC_ALL=C "$bin/pg_controldata" "$pgdata" | sed -n 's/^Database cluster state: *//p')
  # Until recovery has read the backup's checkpoint, pg_control is the backup's copy: the
  # state of the cluster it was taken from ("in production"), not this one's.
  if [ "$at" = "in production" ]; then at="at its start, the backup's first WAL not read yet"; fi
  if running; then
    test -z "$serverlog" || tail -n 3 "$serverlog" >&2 2>/dev/null
    echo "the cluster is still recovering ($at; $logs)" >&2
"""
        + f"    exit {STILL_UNDER_WAY}\n"
        + """\
  fi
  echo "the cluster stopped before its recovery finished ($at; recovery.signal is still in $pgdata): starting it lets recovery go on to its target; undo puts the data directory from before back" >&2
"""
        + f"  exit {UNDO_FIRST}\n"
        + """\
fi
running || start || exit 1
ready || exit 1
test "$(sql -c 'SELECT pg_is_in_recovery()')" = f || { echo "the cluster is still in recovery" >&2; exit 1; }
tli=$(sql -c 'SELECT timeline_id FROM pg_control_checkpoint()') || exit 1
history="$pgdata/pg_wal/$(printf '%08X' "$tli").history"
test -f "$history" || { echo "no history file for timeline $tli: this cluster was not recovered" >&2; exit 1; }
reason=$(awk -F '\t' 'NF >= 3 { r = $3 } END { print r }' "$history")
# Where it stopped, as data: the after integrity record carries it to the document.
echo "recovery timeline=$tli stopped=$reason"
echo "checked: the cluster is out of recovery, promoted to timeline $tli"
asked= last= replayed=  # what the target's check below says was replayed
"""
        + check
        + """\
# What was restored, as data: the after integrity record carries it to the document.
from=$(sed -n 's/^backup=//p' "$state" 2>/dev/null)
started=$(sed -n 's/^started=//p' "$state" 2>/dev/null)
test -n "$from" || from={{backup}}
kept=
if [ -e "$replaced" ]; then kept="; the data directory before it is kept at $replaced"; fi
# a recovery to a time names the time asked for, and the last transaction before it
if [ -n "$asked" ]; then
  wal=", then WAL up to the target $asked${last:+ (the last transaction replayed committed at $last)}"
elif [ -n "$replayed" ]; then  # a replay to a restore point, an LSN or the end
  wal=", then WAL $replayed${last:+ (the last transaction replayed committed at $last)}"
else
  wal="${last:+, then WAL to the transaction committed at $last}"
fi
echo "restored to backup $from${started:+ (started $started)}$wal$kept"
# Recovered where asked, but the action did not finish (its console died): what it does
# after the promotion is done here, the settings taken out and the restore marked done.
if grep -q '^# rollback-console .*: recovery settings$' "$pgdata/postgresql.auto.conf" 2>/dev/null; then
"""
        + DROP_SETTINGS
        + """\
  echo "removed the recovery settings its interrupted action left in $conf"
fi
if [ -e "$replaced" ] && ! grep -qx recovered=1 "$state" 2>/dev/null; then
  echo recovered=1 >> "$state" || exit 1
fi
integrity after || exit 1
echo "checked: accepting connections on PostgreSQL $(sql -c 'SHOW server_version')"
"""
    )


RECOVERY_PARAMS = (*SERVER, *CONNECTION, BACKUP, LOCK_TIMEOUT)


# What each recovery brings the data back to, as the commander chose it: the step's status
# lines name it before it runs and after.
def _to_consistency(values: Mapping[str, str]) -> str:
    backup = values.get("backup")
    return f"the backup {backup}, its consistent point" if backup else ""  # as _to_time


def _to_wal_target(values: Mapping[str, str]) -> str:
    if name := values.get("recovery_target_name"):
        return f"the restore point {name}"
    if lsn := values.get("recovery_target_lsn"):
        return f"LSN {lsn}"
    return "the end of the archived WAL"


def _to_time(values: Mapping[str, str]) -> str:
    at = values.get("recovery_target_time")
    return f"the time {at}" if at else ""  # a required value not given yet: said nowhere


PRESETS = (
    Preset(
        kind=StrategyKind.BACKUP_RESTORE,
        name="postgres-basebackup",
        summary="restore a pg_basebackup (tar or plain) to its consistent point,"
        " keeping the replaced data directory aside",
        params=(*RECOVERY_PARAMS, ARCHIVE_OPTIONAL, EXPECT),
        precheck=precheck(False, BACKUP_ARCHIVE_WHOLE),
        action=action("  echo \"recovery_target = 'immediate'\"\n", replay_wal=False),
        verify=_verify(
            REASON_IS % ('"reached consistency"', *["at the backup's consistent point"] * 2)
        ),
        undo=UNDO,
        undo_weigh=UNDO_WEIGH,
        data_touching=True,
        needs=NEEDS,
        recovers_to=_to_consistency,
    ),
    Preset(
        kind=StrategyKind.LOG_REPLAY,
        name="postgres-wal",
        summary="restore a pg_basebackup, then replay archived WAL to the end,"
        " a restore point or an LSN",
        params=(
            *RECOVERY_PARAMS,
            ARCHIVE,
            param(
                "recovery_target_name",
                "stop at this restore point (pg_create_restore_point); empty: not a restore point",
                default="",
                pattern=r"|[A-Za-z0-9][A-Za-z0-9._:-]{0,62}",
                takes="a restore point's name: a letter or digit, then letters, digits, '.', '_', ':', '-'",
            ),
            param(
                "recovery_target_lsn",
                "stop after this WAL location; empty: not an LSN (neither: replay to the end)",
                default="",
                pattern=r"|[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}",
                takes="a WAL location, as pg_current_wal_lsn() prints it (0/3000218)",
            ),
            EXPECT,
        ),
        precheck=precheck(True, WAL_POINT_FOUND, before_staging=WAL_ONE_TARGET),
        action=action(WAL_TARGET, replay_wal=True),
        verify=_verify(WAL_CHECK),
        undo=UNDO,
        undo_weigh=UNDO_WEIGH,
        data_touching=True,
        needs=(*NEEDS, "a WAL archive directory readable by the login user"),
        exclusive=(("recovery_target_name", "recovery_target_lsn"),),
        recovers_to=_to_wal_target,
    ),
    Preset(
        kind=StrategyKind.POINT_IN_TIME,
        name="postgres-pitr",
        summary="restore a pg_basebackup, then replay archived WAL up to a time",
        params=(
            *RECOVERY_PARAMS,
            ARCHIVE,
            param(
                "recovery_target_time",
                "recover every transaction committed up to this time (with its zone: Z or +hh:mm)",
                type=ParamType.TIMESTAMP,
                required=True,
                pattern=r".*(Z|[+-][0-9]{2}:?[0-9]{2})",
                takes="a timestamp with its zone, like 2024-05-01T13:45:00Z (UTC) or"
                " 2024-05-01 15:45:00+02:00 (at most 6 decimals of a second)",
            ),
            EXPECT,
        ),
        precheck=precheck(True, PITR_BACKUP_BEFORE_TARGET + PITR_TARGET_REACHED),
        action=action(PITR_TARGET, replay_wal=True),
        verify=_verify(PITR_CHECK),
        undo=UNDO,
        undo_weigh=UNDO_WEIGH,
        data_touching=True,
        needs=(*NEEDS, "a WAL archive directory readable by the login user"),
        recovers_to=_to_time,
        past=("recovery_target_time",),
    ),
)
