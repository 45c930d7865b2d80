"""What was written on a restored cluster since the restore promoted it: what its undo sets
aside (the restored data directory goes aside whole, with everything committed on it since,
and is not merged back).

The restore's action marks where its history begins (PROMOTED): the next transaction id of
the end-of-recovery checkpoint, which PostgreSQL writes and waits for before it takes the
first connection (a recovery target reached with `recovery_target_action = 'promote'`),
and where its new timeline begins (the history file's switch point). The undo and the
question before it (WRITTEN) count the transaction ids assigned since (every transaction
that wrote gets one; a read gets none) and the bytes of WAL since: from the server while it
runs, from pg_control once it is stopped (its shutdown checkpoint, where the WAL ends).
A restore from before these marks: its timeline's start, and the WAL alone."""

from __future__ import annotations

# pg_control's fields, and its positions as numbers: an LSN (0/2000100) as a byte
# position, a NextXID (0:728, epoch:xid) as a full transaction id, as the server's xid8
_CONTROL = """\
control() { LC_ALL=C "$bin/pg_controldata" "$pgdata" 2>/dev/null | sed -n "s/^$1: *//p"; }
lsn_at() { case $1 in [0-9A-F]*/[0-9A-F]*) echo $(( 0x${1%/*} * 4294967296 + 0x${1#*/} )) ;; esac; }
xid_full() { case $1 in [0-9]*:[0-9]*) echo $(( ${1%:*} * 4294967296 + ${1#*:} )) ;; esac; }
# where timeline $1 began: the last line of its history file (a recovery to a time ends
# it with an empty line)
switch_of() { awk 'NF { at = $2 } END { print at }' "$pgdata/pg_wal/$(printf '%08X' "$1").history" 2>/dev/null; }
"""

# In the action, once promoted: the marks, for the undo (a failure to write them fails
# nothing: the undo then says the WAL alone).
PROMOTED = (
    _CONTROL
    + """\
{
  tli_now=$(control "Latest checkpoint's TimeLineID")
  echo "promoted_xid=$(xid_full "$(control "Latest checkpoint's NextXID")")"
  echo "promoted_lsn=$(switch_of "$tli_now")"
  echo "promoted_at=$(date -u +%H:%M)"
} >> "$state" 2>/dev/null || true
"""
)

# `written_since`: $xacts (transaction ids assigned since the restore, `?` where it left no
# mark), $wal (bytes of WAL since its timeline began, `?` unknown: a stopped cluster's, unless
# $wal_end says where it ended) and $written (both in words, with the restore's time); else
# 1, with why in $why (the server runs and psql cannot read it).
WRITTEN = (
    _CONTROL
    + """\
bytes_said() {
  awk -v b="$1" 'BEGIN { if (b < 1024) printf "%d bytes", b; else if (b < 1048576) printf "%.0f kB", b / 1024;
    else if (b < 1073741824) printf "%.1f MB", b / 1048576; else printf "%.1f GB", b / 1073741824 }'
}
written_since() {
  # never promoted (its recovery failed, or was cut short): it took no write
  case $(control "Database cluster state") in "in archive recovery" | "shut down in recovery")
    xacts=0 wal=0 written="nothing was written since the restore: it never left recovery (read only)"
    return 0 ;;
  esac
  from_xid=$(sed -n 's/^promoted_xid=//p' "$state" 2>/dev/null | tail -n 1)
  from=$(sed -n 's/^promoted_lsn=//p' "$state" 2>/dev/null | tail -n 1)
  at=$(sed -n 's/^promoted_at=//p' "$state" 2>/dev/null | tail -n 1)
  if [ -z "$from" ]; then  # restored before the marks: where its timeline began, and when
    tli_now=$(control "Latest checkpoint's TimeLineID")
    from=$(switch_of "$tli_now")
    at=$(date -u -r "$pgdata/pg_wal/$(printf '%08X' "$tli_now").history" +%H:%M 2>/dev/null)
  fi
  if running; then
    now=$(sql -c "SELECT pg_current_wal_lsn(), pg_snapshot_xmax(pg_current_snapshot())" 2>&1) || {
      why=$(echo "$now" | head -n 1 | sed 's/^psql: error: //'); return 1; }
    end=${now%|*} next=${now#*|}
  else  # stopped: its shutdown checkpoint's next id; not its WAL (an archiving server's
    # shutdown pads its last segment to the end), but where it ended before the stop
    end=${wal_end:-} next=$(xid_full "$(control "Latest checkpoint's NextXID")")
  fi
  e=$(lsn_at "$end") f=$(lsn_at "$from")
  if [ -n "$e" ] && [ -n "$f" ]; then wal=$((e - f)) of_wal="$(bytes_said $((e - f))) of WAL"
  else wal="?" of_wal=; fi
  since="since the restore${at:+ at $at UTC}"
  if [ -z "$from_xid" ] || [ -z "$next" ]; then
    xacts="?"
    if [ -n "$of_wal" ]; then written="$of_wal written $since (its transactions not counted: the restore left no mark of where it began)"
    else written="what was written $since is not known (the restore left no mark of where it began, and the cluster is stopped)"; fi
  elif [ "$next" -le "$from_xid" ]; then
    xacts=0 written="nothing was written $since (no transaction wrote${of_wal:+; $of_wal, the server's own})"
  else
    xacts=$((next - from_xid))
    written="$xacts transaction$( [ "$xacts" = 1 ] || echo s) wrote $since${of_wal:+ ($of_wal)}"
  fi
}
"""
)
