"""The recovery targets of the PostgreSQL presets, as shell for their commands: the
settings each one writes (a restore point or an LSN, a time), what its precheck refuses,
and how verify reads where recovery stopped (`$reason`, from the new timeline's history
file) and checks it against the target."""

# What a verify checked on the database and found, a `checked: ...` line each: the after
# integrity record carries them to the document's "How it was verified".
REASON_IS = """\
case "$reason" in
  %s) ;;
  *) echo "recovery did not stop %s (it stopped: $reason)" >&2; exit 1 ;;
esac
echo "checked: recovery stopped %s, as asked (timeline $tli's history file)"
"""

WAL_TARGET = """\
  name={{recovery_target_name}}
  lsn={{recovery_target_lsn}}
  if [ -n "$name" ]; then echo "recovery_target_name = '$name'"; fi
  if [ -n "$lsn" ]; then echo "recovery_target_lsn = '$lsn'"; fi
"""

WAL_ONE_TARGET = """\
if [ -n {{recovery_target_name}} ] && [ -n {{recovery_target_lsn}} ]; then
  echo "give recovery_target_name or recovery_target_lsn, not both" >&2
  exit 3
fi
"""

# The longest a precheck waits for the archiver to finish a copy it has begun.
ARCHIVE_WAIT = 60

ARCHIVE_CUT = """\
# restore_command takes a segment from the archive before pg_wal is looked at: one cut
# short there (an archive_command's copy stopped by a full disk or a kill) stops recovery
# with FATAL ("archive file ... has wrong size"), whatever pg_wal holds. Of the segments
# since the backup's start ($first), those on the history recovery follows ($history,
# before each timeline ends there; empty: every timeline), the first one short: "SEG BYTES".
archive_short() {
  ls "$archive" 2>/dev/null | grep -E '^[0-9A-F]{24}$' | awk -v from="$first" 'substr($0, 9) >= from' |
    while read -r seg; do
      got=$(stat -c %s "$archive/$seg" 2>/dev/null) && [ "$got" != "$size" ] || continue
      if [ -n "$history" ]; then
        start=$(printf '%s%08X' "$(echo "$seg" | cut -c9-16)" $(( 0x$(echo "$seg" | cut -c17-24) * size )))
        echo "$history" | awk -v tli="$(echo "$seg" | cut -c1-8)" -v start="$start" \\
          '$1 == tli && start < $3 { found = 1 } END { exit !found }' || continue
      fi
      echo "$seg $got"
    done | head -n 1
}
# Whether the running cluster's archiver may still be copying $1 into the archive: the
# documented archive_command (test ! -f ARCHIVE/%f && cp %p ARCHIVE/%f) writes the file as it
# goes, and pg_wal/archive_status/$1.ready stays until it has ended well. Else `$how` says
# why nothing will finish it: the cluster stopped, the segment not the archiver's to copy,
# or the archiver failed on it (pg_stat_archiver; its `test ! -f` then refuses every retry).
copying() {
  if ! running; then how="the cluster is stopped: nothing copies it any more"; return 1; fi
  if [ ! -e "$pgdata/pg_wal/archive_status/$1.ready" ]; then
    how="the cluster is not archiving it: no pg_wal/archive_status/$1.ready"; return 1
  fi
  failed=$(sql -v seg="$1" 2>/dev/null <<'SQL'
SELECT to_char(last_failed_time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
FROM pg_stat_archiver WHERE last_failed_wal = :'seg'
SQL
  )
  test -z "$failed" && return 0
  how="the archiver failed on it at $failed and has not archived it since: its archive_command refuses a file already there"
  return 1
}
# A segment still being copied is waited for, up to wait_seconds (at most #ARCHIVE_WAIT# s);
# one cut short is refused, as is one still short at the end of the wait.
archive_cut() {
  size=$(LC_ALL=C "$bin/pg_controldata" "$stage" | sed -n 's/^Bytes per WAL segment: *//p')
  test -n "$size" || return 0
  limit={{wait_seconds}}
  [ "$limit" -le #ARCHIVE_WAIT# ] || limit=#ARCHIVE_WAIT#
  end=$(( $(date +%s) + limit )) waiting=
  while cut=$(archive_short) && [ -n "$cut" ]; do
    seg=${cut% *} got=${cut#* }
    copying "$seg" || break
    if [ "$(date +%s)" -ge "$end" ]; then
      echo "the archiver is still copying $seg into the WAL archive ($got of $size bytes after $limit s; pg_wal/archive_status/$seg.ready is still there):" \\
        "recovery would stop the server on it, read before it is whole; wait until PostgreSQL has archived it (pg_stat_archiver's last_archived_wal reaches $seg), then retry; nothing was changed" >&2
      return 1
    fi
    if [ -z "$waiting" ]; then
      echo "the archiver is still copying $seg into the WAL archive ($got of $size bytes): waiting up to $limit s for it"
      waiting=$seg
    fi
    sleep 0.2
  done
  if [ -z "$cut" ]; then
    if [ -n "$waiting" ]; then echo "the archiver has copied $waiting whole"; fi
    return 0
  fi
  echo "the WAL archive's $seg is $got bytes, not $size: a copy cut short ($how), and recovery (which takes the archive's copy first) would stop the server on it, the data directory replaced;" \\
    "copy the segment whole into the archive again (the running cluster's pg_wal holds it while it is not archived), then retry" >&2
  return 1
}
""".replace("#ARCHIVE_WAIT#", str(ARCHIVE_WAIT))

# The backup's own timeline, from its start: what a restore to its consistent point reads
# of the archive (and prefetches past it).
BACKUP_ARCHIVE_WHOLE = (
    ARCHIVE_CUT
    + """\
if [ -n "$archive" ]; then
  first=$(sed -n 's/^START WAL LOCATION: .*(file [0-9A-F]\\{8\\}\\([0-9A-F]\\{16\\}\\))$/\\1/p' "$stage/backup_label")
  history="$(sed -n 's/^START WAL LOCATION: .*(file \\([0-9A-F]\\{8\\}\\)[0-9A-F]\\{16\\})$/\\1/p' "$stage/backup_label") 0000000000000000 FFFFFFFFFFFFFFFF"
  archive_cut || { rm -rf "$stage"; exit 3; }
fi
"""
)

# After staging: records of the WAL recovery reads, to refuse a target it would never reach
# (PostgreSQL then ends recovery with FATAL, the server stopped, the data directory
# replaced). Recovery follows the replaced cluster's timeline (the action sets it), whose
# history file says where each timeline before it ended: of the segments from the backup's
# start, in the archive, the staged backup's pg_wal and the running cluster's pg_wal (the
# action copies what it has not archived), only the records on that history count. A
# timeline forked off it (an earlier recovery's abandoned past) may hold the very commit or
# restore point asked for, and recovery would never see it. Without a timeline (the data
# directory is gone) or its history file, every timeline counts: a superset, so a target
# recovery reaches is never refused.
WAL_RECORDS = (
    ARCHIVE_CUT
    + """\
follows=$(LC_ALL=C "$bin/pg_controldata" "$pgdata" 2>/dev/null | sed -n "s/^Latest checkpoint's TimeLineID: *//p")
lsn_key='function key(lsn, p) { split(lsn, p, "/"); while (length(p[1]) < 8) p[1] = "0" p[1]; while (length(p[2]) < 8) p[2] = "0" p[2]; return toupper(p[1] p[2]) }'
history=
if [ -n "$follows" ]; then
  file=$(printf '%08X.history' "$follows")
  if [ "$follows" = 1 ]; then
    history="00000001 0000000000000000 FFFFFFFFFFFFFFFF"
  elif listed=$(cat "$pgdata/pg_wal/$file" 2>/dev/null || cat "$archive/$file" 2>/dev/null); then
    # "TLI FROM UPTO" for each timeline recovery reads, as 16 hex digits
    history=$(echo "$listed" | awk -v last="$follows" "$lsn_key"'
      $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9A-Fa-f]+[/][0-9A-Fa-f]+$/ { printf "%08X %s %s\\n", $1, from, key($2); from = key($2) }
      BEGIN { from = "0000000000000000" }
      END { printf "%08X %s FFFFFFFFFFFFFFFF\\n", last, from }')
  fi
fi
# the records of timeline $1 that lie on the history recovery follows; with $off set, those
# past where that history leaves timeline $1 too, marked "off-history"
off=
on_history() {
  if [ -z "$history" ]; then cat; return 0; fi
  range=$(echo "$history" | awk -v t="$1" '$1 == t { print $2, $3 }')
  test -n "$range" || { cat > /dev/null; return 0; }
  awk -v from="${range% *}" -v upto="${range#* }" -v off="$off" "$lsn_key"'
    match($0, /lsn: [0-9A-F]+[/][0-9A-F]+/) { k = key(substr($0, RSTART + 5, RLENGTH - 5)); if (k >= from && k < upto) print; else if (off && k >= upto) print "off-history " $0 }'
}
along=
if [ -n "$history" ] && [ "$follows" != 1 ]; then along=" along timeline $follows"; fi
first=$(sed -n 's/^START WAL LOCATION: .*(file [0-9A-F]\\{8\\}\\([0-9A-F]\\{16\\}\\))$/\\1/p' "$stage/backup_label")
# here, not only in wal_records: what it says while it waits for a copy reaches the host's
# lines (wal_records' output is read into a variable)
archive_cut || { rm -rf "$stage"; exit 3; }
wal_records() {
  test -x "$bin/pg_waldump" || { echo "pg_waldump not found in $bin: the WAL cannot be read for the target; install it there or set bindir" >&2; return 1; }
  # What recovery reads, in one directory: the backup's own WAL, of the running cluster's
  # pg_wal only what it has not archived yet (the stop archives the segment being written,
  # or marks it ready, and the action copies those), and over both the archive's copy,
  # which restore_command takes first (a standby's backup ends mid-segment without a
  # switch: its own copy of that segment stops there, the archive's goes on). A segment
  # missing from all of them is a gap recovery stops at.
  view=$(mktemp -d) || return 1
  since() { grep -E '^[0-9A-F]{24}$' | awk -v from="$first" 'substr($0, 9) >= from'; }
  ls "$stage/pg_wal" | since | while read -r seg; do ln -s "$stage/pg_wal/$seg" "$view/$seg"; done
  ls "$pgdata/pg_wal" 2>/dev/null | since | while read -r seg; do
    [ -e "$pgdata/pg_wal/archive_status/$seg.done" ] || ln -sf "$pgdata/pg_wal/$seg" "$view/$seg"
  done
  ls "$archive" 2>/dev/null | since | while read -r seg; do ln -sf "$archive/$seg" "$view/$seg"; done
  archive_cut || { rm -rf "$view"; return 1; }
  ls "$view" | sed -n 's/^\\([0-9A-F]\\{8\\}\\)[0-9A-F]\\{16\\}$/\\1/p' | sort -u | while read -r tli; do
    segs=$(ls "$view" | grep -E "^$tli[0-9A-F]{16}$" | awk -v from="$tli$first" '"" $0 >= "" from' | sort)
    [ -n "$segs" ] || continue
    TZ=UTC "$bin/pg_waldump" -p "$view" -r "$1" "$(echo "$segs" | head -n 1)" "$(echo "$segs" | tail -n 1)" 2> "$view/errors" | on_history "$tli"
    # pg_waldump ends on an error where the WAL ends: what it read counts; a file it
    # could not find on the history recovery follows is a gap
    missing=$(sed -n 's/.*could not find file "\\([0-9A-F]\\{24\\}\\)".*/\\1/p' "$view/errors" | head -n 1)
    if [ -n "$missing" ] && { [ -z "$history" ] || echo "$history" | grep -q "^$tli "; }; then
      echo "wal-gap $missing"
    fi
  done
  rm -rf "$view"
  return 0
}
# Recovery is consistent only once it has replayed the WAL to the backup's end, the
# BACKUP_END record naming its start: a target it meets before that (a transaction committed,
# a restore point made, an LSN written while the backup was taken) stops it short, and
# PostgreSQL ends recovery with FATAL ("requested recovery stop point is before consistent
# recovery point"), the server down, the data directory replaced. $ended: that record's LSN
# (empty where the WAL read holds none); before_end: the records of stdin before it. A
# standby writes no WAL: its backup (`BACKUP FROM: standby`) ends where the pg_control it
# holds says recovery must reach, its minimum recovery point, which PostgreSQL takes as the end.
begun=$(sed -n 's/^START WAL LOCATION: \\([0-9A-F]*[/][0-9A-F]*\\) .*/\\1/p' "$stage/backup_label")
backup_end() {
  if grep -qx 'BACKUP FROM: standby' "$stage/backup_label"; then
    ended=$(LC_ALL=C "$bin/pg_controldata" "$stage" | sed -n 's/^Minimum recovery ending location: *//p')
    if [ "$ended" = 0/0 ]; then ended=; fi
    return 0
  fi
  ended=$(wal_records XLOG | sed -n "s|^rmgr: .*lsn: \\([0-9A-F]*/[0-9A-F]*\\),.*desc: BACKUP_END $begun\\$|\\1|p" | head -n 1)
}
before_end() {
  awk -v upto="$ended" "$lsn_key"'
    match($0, /lsn: [0-9A-F]+[/][0-9A-F]+/) && key(substr($0, RSTART + 5, RLENGTH - 5)) < key(upto)'
}
"""
)

WAL_POINT_FOUND = (
    WAL_RECORDS
    + """\
name={{recovery_target_name}}
if [ -n "$name" ]; then
  off=1
  records=$(wal_records XLOG) || { rm -rf "$stage"; exit 3; }
  off=
  left=$(echo "$records" | sed -n 's/^off-history .*desc: RESTORE_POINT //p' | sort -u)
  records=$(echo "$records" | grep -v '^off-history ')
  points=$(echo "$records" | sed -n 's/.*desc: RESTORE_POINT //p' | sort -u)
  if ! printf '%s\\n' "$points" | grep -qxF -- "$name"; then
    rm -rf "$stage"
    found=$(echo $points | sed 's/ /, /g')
    gap=$(echo "$records" | sed -n 's/^wal-gap //p' | head -n 1)
    if printf '%s\\n' "$left" | grep -qxF -- "$name"; then
      echo "restore point $name is in the WAL since the backup, but past where timeline $follows, which recovery follows, forked away from it (an earlier recovery): recovery along timeline $follows never reaches it (found on it: ${found:-none}); give a point or an LSN on timeline $follows" >&2
    elif [ -n "$gap" ]; then
      echo "no restore point $name in the WAL recovery can read since the backup$along (found: ${found:-none}): it stops where $gap is missing from the archive; put it back, or check the name" >&2
    else
      echo "no restore point $name in the WAL since the backup$along (found: ${found:-none}): check the name, or give recovery_target_lsn" >&2
    fi
    exit 3
  fi
  backup_end
  early=$(echo "$records" | awk -v n="desc: RESTORE_POINT $name" 'substr($0, length($0) - length(n) + 1) == n' | before_end | sed -n 's/.*lsn: \\([0-9A-F]*[/][0-9A-F]*\\),.*/\\1/p' | head -n 1)
  if [ -n "$early" ] && [ -n "$ended" ]; then
    rm -rf "$stage"
    echo "restore point $name was made while the backup was taken (at LSN $early): recovery stopping there would stop short of the backup's end (LSN $ended), where the data is first consistent, and PostgreSQL would stop the server, the data directory replaced;" \\
      "choose an older backup, or a point made after it ended" >&2
    exit 3
  fi
  echo "restore point $name found in the WAL since the backup"
fi
# To the end: a segment missing from the archive ends recovery there, short of the end,
# and the data committed after it would be lost under a record saying "to its end".
if [ -z "$name" ] && [ -z {{recovery_target_lsn}} ]; then
  records=$(wal_records XLOG) || { rm -rf "$stage"; exit 3; }
  gap=$(echo "$records" | sed -n 's/^wal-gap //p' | head -n 1)
  if [ -n "$gap" ]; then
    rm -rf "$stage"
    echo "the WAL since the backup$along has a gap: $gap is missing from the archive, and recovery would end there, short of its end (what was committed after it lost); put it back, or give recovery_target_name or recovery_target_lsn before it" >&2
    exit 3
  fi
  echo "the WAL since the backup has no gap"
fi
# An LSN past a gap in the archive: recovery ends at the gap, short of it, and PostgreSQL
# stops the server there (FATAL), the data directory replaced.
lsn={{recovery_target_lsn}}
if [ -n "$lsn" ]; then
  records=$(wal_records XLOG) || { rm -rf "$stage"; exit 3; }
  gap=$(echo "$records" | sed -n 's/^wal-gap //p' | head -n 1)
  size=$(LC_ALL=C "$bin/pg_controldata" "$stage" | sed -n 's/^Bytes per WAL segment: *//p')
  if [ -n "$gap" ] && [ -n "$size" ]; then
    # the gap's first byte as an LSN: its segment number times the segment size
    n=$(( 0x$(echo "$gap" | cut -c9-16) * (0x100000000 / size) + 0x$(echo "$gap" | cut -c17-24) ))
    at=$(printf '%X/%X' $(( (n * size) >> 32 )) $(( (n * size) & 0xFFFFFFFF )))
    if [ "$(printf '%s\\n%s\\n' "$lsn" "$at" | awk "$lsn_key"'{ k[NR] = key($0) } END { print (k[1] > k[2]) }')" = 1 ]; then
      rm -rf "$stage"
      echo "recovery_target_lsn $lsn is past a gap in the WAL since the backup$along: $gap (from $at) is missing from the archive, and recovery would stop the server there; put it back, or give an LSN before $at" >&2
      exit 3
    fi
  fi
fi
# An LSN written while the backup was taken: recovery stopping there is short of its end.
if [ -n "$lsn" ]; then
  backup_end
  if [ -n "$ended" ] && [ "$(printf '%s\\n%s\\n' "$lsn" "$ended" | awk "$lsn_key"'{ k[NR] = key($0) } END { print (k[1] < k[2]) }')" = 1 ]; then
    rm -rf "$stage"
    echo "recovery_target_lsn $lsn was written while the backup was taken: recovery stopping there would stop short of the backup's end (LSN $ended), where the data is first consistent, and PostgreSQL would stop the server, the data directory replaced;" \\
      "choose an older backup, or an LSN at or after $ended" >&2
    exit 3
  fi
fi
# An LSN past where the running cluster writes now is past the end of what recovery reads.
if [ -n "$lsn" ] && running && now=$(sql -c 'SELECT pg_current_wal_insert_lsn()'); then
  past=$(sql -v want="$lsn" -v now="$now" <<'SQL'
SELECT :'want'::pg_lsn > :'now'::pg_lsn
SQL
  )
  if [ "$past" = t ]; then
    rm -rf "$stage"
    echo "recovery_target_lsn $lsn is past the end of the WAL (the cluster writes at $now): recovery would never reach it and stop the server" >&2
    exit 3
  fi
fi
"""
)

WAL_CHECK = """\
name={{recovery_target_name}}
lsn={{recovery_target_lsn}}
if [ -n "$name" ]; then
  test "$reason" = "at restore point \\"$name\\"" || { echo "recovery did not stop at restore point $name (it stopped: $reason)" >&2; exit 1; }
  echo "checked: recovery stopped at the restore point $name, as asked (timeline $tli's history file)"
elif [ -n "$lsn" ]; then
  case "$reason" in
    "after LSN "* | "before LSN "*) ;;
    *) echo "recovery did not stop at an LSN (it stopped: $reason)" >&2; exit 1 ;;
  esac
  past=$(sql -v got="${reason##* }" -v want="$lsn" <<'SQL'
SELECT :'got'::pg_lsn >= :'want'::pg_lsn
SQL
  )
  test "$past" = t || { echo "recovery stopped before LSN $lsn" >&2; exit 1; }
  echo "checked: recovery stopped $reason, at or past LSN $lsn as asked (timeline $tli's history file)"
else
  test "$reason" = "no recovery target specified" || { echo "recovery did not replay to the end (it stopped: $reason)" >&2; exit 1; }
  echo "checked: recovery replayed the WAL to its end, as asked (timeline $tli's history file)"
fi
# how far past the backup the WAL went, said with what was restored
if [ -n "$name" ]; then replayed="to the restore point $name"
elif [ -n "$lsn" ]; then replayed="to LSN $lsn (recovery stopped $reason)"
else replayed="to its end"; fi
last=$(sql -c 'SELECT pg_last_xact_replay_timestamp()')
if [ -n "$last" ]; then echo "checked: the last transaction replayed committed at $last"; fi
"""
