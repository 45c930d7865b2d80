"""The point-in-time recovery target of the PostgreSQL presets (`postgres-pitr`), as shell
for its commands: what its precheck refuses (a backup that started after the time, a time
inside the backup, past the WAL, or before the timeline recovery follows began), the setting
it writes, and how verify checks where recovery stopped."""

from console.model.presets.pg_targets import REASON_IS, WAL_RECORDS
from console.model.status import NOTHING_TO_DO

# Recovery to a time stops at the first transaction that ended at or after it: with none in
# the WAL (a time in the future, a zone written wrong), PostgreSQL ends recovery with FATAL.
# It follows PITR_BACKUP_BEFORE_TARGET, which says the target as $wanted.
PITR_TARGET_REACHED = (
    WAL_RECORDS
    + """\
off=1
records=$(wal_records Transaction) || { rm -rf "$stage"; exit 3; }
left=$(echo "$records" | sed -n 's/^off-history .*desc: COMMIT \\([0-9-]* [0-9:.]*\\) UTC.*/\\1/p' | sort)
records=$(echo "$records" | grep -v '^off-history ')
last=$(echo "$records" | sed -n 's/.*desc: \\(COMMIT\\|ABORT\\) \\([0-9-]* [0-9:.]*\\) UTC.*/\\2/p' | sort | tail -n 1)
if [ -z "$last" ] || [ "$(date -u -d "$last UTC" +%s%N)" -lt "$(date -u -d {{recovery_target_time}} +%s%N)" ]; then
  rm -rf "$stage"
  gap=$(echo "$records" | sed -n 's/^wal-gap //p' | head -n 1)
  if [ -n "$gap" ]; then
    echo "no transaction in the WAL recovery can read since the backup$along ended at or after $wanted (the last: ${last:-none}${last:+ UTC}): it stops where $gap is missing from the archive, and recovery would stop the server there; put it back, or choose an earlier time" >&2
    exit 3
  fi
  # those that did are past the fork of the timeline recovery follows (an earlier recovery
  # of this cluster stopped before them): the data is at that time already, nothing to do
  # (a refusal for good, #NOTHING_TO_DO#: docs/strategies.md, "Refused at the precheck")
  past=$(echo "$left" | while read -r at; do
    if [ -n "$at" ] && [ "$(date -u -d "$at UTC" +%s%N)" -ge "$(date -u -d {{recovery_target_time}} +%s%N)" ]; then echo "$at"; break; fi
  done)
  if [ -n "$past" ]; then
    kept=$(kept_aside | tail -n 1)
    echo "no transaction along timeline $follows, which recovery follows, ended at or after $wanted (its last: ${last:-none}${last:+ UTC}): the cluster holds all of them already, so recovering to that time changes nothing." \\
      "Later ones (the first at $past UTC) are on the timeline an earlier recovery forked timeline $follows from, which this recovery never replays:" \\
      "to recover to a time among them, undo that recovery first${kept:+ (incident ${kept##*.replaced-}, which kept the data directory from before it at $kept)}, then run this again" >&2
    exit #NOTHING_TO_DO#
  fi
  echo "no transaction in the WAL since the backup$along ended at or after $wanted (the last: ${last:-none}${last:+ UTC}): recovery would never reach it and stop the server; choose an earlier time" >&2
  exit 3
fi
target=$(date -u -d {{recovery_target_time}} +%s%N)
# a transaction committed while the backup was taken, after the target, stops recovery there
backup_end
if [ -n "$ended" ]; then
  held=$(echo "$records" | before_end | sed -n 's/.*desc: \\(COMMIT\\|ABORT\\) \\([0-9-]* [0-9:.]*\\) UTC.*/\\2/p' | sort)
  after=$(echo "$held" | while read -r at; do
    if [ -n "$at" ] && [ "$(date -u -d "$at UTC" +%s%N)" -gt "$target" ]; then echo "$at"; break; fi
  done)
  if [ -n "$after" ]; then
    rm -rf "$stage"
    echo "a transaction committed at $after UTC, while the backup was taken, after $wanted: recovery stopping before it would stop short of the backup's end (LSN $ended), where the data is first consistent, and PostgreSQL would stop the server, the data directory replaced;" \\
      "choose an older backup, or a time at or after $(echo "$held" | tail -n 1) UTC, when the backup's last transaction committed" >&2
    exit 3
  fi
fi
# A time before the timeline recovery follows began (a recovery of this cluster promoted
# it): what was committed up to it past that recovery's fork is on the timeline it forked
# away from, which recovery along this one never replays: it would stop at the fork. When it
# began, at the latest: the earliest of its history file's mtime in pg_wal and in the
# archive (a copy that keeps no times makes either later) and its first commit.
born=
if [ -n "$along" ]; then
  forked=$(echo "$history" | tail -n 1 | cut -d ' ' -f 2)
  opened=$(echo "$records" | awk -v from="$forked" "$lsn_key"'
    match($0, /lsn: [0-9A-F]+[/][0-9A-F]+/) && key(substr($0, RSTART + 5, RLENGTH - 5)) >= from' |
    sed -n 's/.*desc: \\(COMMIT\\|ABORT\\) \\([0-9-]* [0-9:.]*\\) UTC.*/\\2/p' | sort | head -n 1)
  for at in $(stat -c %Y "$pgdata/pg_wal/$file" "$archive/$file" 2>/dev/null) ${opened:+$(date -u -d "$opened UTC" +%s)}; do
    if [ -z "$born" ] || [ "$at" -lt "$born" ]; then born=$at; fi
  done
fi
if [ -n "$born" ] && [ "$target" -lt "${born}000000000" ]; then
  missed=$(echo "$left" | while read -r at; do
    if [ -n "$at" ] && [ "$(date -u -d "$at UTC" +%s%N)" -le "$target" ]; then echo "$at"; fi
  done | tail -n 1)
  if [ -n "$missed" ]; then
    rm -rf "$stage"
    # the recovery that began it named, as where a time its fork left behind is refused
    kept=$(kept_aside | tail -n 1)
    echo "timeline $follows, which recovery follows, began $(date -u -d "@$born" '+%F %T') UTC, after $wanted: what was committed up to that time since the backup (the last at $missed UTC) is on the timeline it forked away from, which recovery along timeline $follows never replays:" \\
      "to recover to that time, undo that recovery first${kept:+ (incident ${kept##*.replaced-}, which kept the data directory from before it at $kept)}, then run this again; or choose a time after it began" >&2
    exit 3
  fi
fi
echo "the WAL goes past the target: its last transaction ended $last UTC"
"""
).replace("#NOTHING_TO_DO#", str(NOTHING_TO_DO))

PITR_BACKUP_BEFORE_TARGET = """\
# The target as the refusals say it: in UTC too where written with an offset, as they say
# every other time (a zone written wrong shows: 09:55:00+01:00 is 08:55:00 UTC).
wanted={{recovery_target_time}}
case "$wanted" in
  *Z) ;;
  *) wanted="$wanted ($(date -u -d "$wanted" '+%F %T.%N' | sed 's/0*$//; s/[.]$//') UTC)" ;;
esac
# $since: when the backup started, read in the staging (empty: its zone unknown)
if [ -z "$since" ]; then
  rm -rf "$stage"
  if [ -n "$zone" ]; then why="the server's log_timezone, $zone, never reads so: set it back to the zone the backup was taken in, or choose another backup"
  else why="the server's log_timezone, which says which, cannot be read (no postgresql.conf in the backup, the cluster not running): start the cluster, then retry"; fi
  echo "cannot tell when the backup started: its label says $label, local time with an abbreviation that names different zones, and $why" >&2
  exit 3
fi
# The label counts whole seconds: a start in the target's own second may still be before it,
# and recovery itself then says whether the target was reached.
if ! until=$(date -u -d {{recovery_target_time}} +%s); then
  rm -rf "$stage"; echo "cannot compare the backup's start with the target (GNU date)" >&2; exit 3
fi
if [ "$since" -gt "$until" ]; then
  rm -rf "$stage"
  echo "the backup started at $started, not before $wanted: choose an older backup" >&2
  exit 3
fi
"""

# The server's settings parser knows no zone abbreviations, not even Z.
PITR_TARGET = """\
  echo "recovery_target_time = '"{{recovery_target_time}}"'" | sed "s/Z'\\$/+00'/"
"""

PITR_CHECK = (
    REASON_IS
    % ('"before "* | "after "*', "at a time", 'at the target time "{{recovery_target_time}}"')
    + """\
last=$(sql -c 'SELECT pg_last_xact_replay_timestamp()')
asked={{recovery_target_time}}  # said with what was restored
if [ -n "$last" ]; then
  before=$(sql -v t={{recovery_target_time}} <<'SQL'
SELECT pg_last_xact_replay_timestamp() <= :'t'::timestamptz
SQL
  )
  test "$before" = t || { echo "the last transaction replayed ($last) is after "{{recovery_target_time}} >&2; exit 1; }
  echo "checked: the last transaction replayed committed at $last, not after the target "{{recovery_target_time}}
else
  echo "checked: no transaction replayed since the backup (or the server restarted since recovery)"
fi
"""
)
