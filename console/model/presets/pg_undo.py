"""The PostgreSQL restores' undo: the data directory the action replaced put back (the
restored one kept beside it, with whatever was written on it since the restore, not merged
back), or, after an action cut short once it had stopped the cluster, that cluster started
again on its own data directory. UNDO_WEIGH, asked before the undo's yes, reads what the
undo would do on the host and what it would set aside, changing nothing there."""

from __future__ import annotations

from console.model.presets.pg_written import WRITTEN
from console.model.presets.pgshell import SERVER_PRELUDE

_SHARED = (
    SERVER_PRELUDE
    + WRITTEN
    + """\
# Another incident restored over this one since ($id): undoing this one first would put
# back the data from before both and leave that incident nothing to undo.
restored_since() {
  for later in "$pgdata".rollback-*; do
    case "$later" in *.log | "$state") continue ;; esac
    id=${later#"$pgdata".rollback-}
    if [ "$later" -nt "$state" ] && [ -d "$pgdata.replaced-$id" ] && grep -qx recovered=1 "$later"; then
      return 0
    fi
  done
  return 1
}
# A restore retried after an undo is undone again: each restored directory is kept, the
# next free name in $undone; 1 when nine are kept already.
next_undone() {
  n=1
  while [ -e "$undone" ]; do
    n=$((n + 1))
    [ "$n" -le 9 ] || return 1
    undone="$pgdata.undone-"{{incident}}".$n"
  done
}
"""
)

UNDO = (
    _SHARED
    + """\
# The cluster this incident stopped and has not started again, on the data directory from
# before: started, and measured.
start_again() {
  echo "$1"
  start || { echo "the cluster this incident's restore stopped did not start again ($logs): start it, then check its data" >&2; exit 1; }
  ready || exit 1
  integrity after || exit 1
  exit 0
}
if stopped_cut_short; then
  start_again "this incident's restore stopped the cluster and ended before it replaced the data directory (cut short, or the move refused): starting the cluster again on its own data directory (the backup it staged stays at $stage)"
fi
# Undone already (an undo asked again): what is left of it is the start, if that undo's failed.
if [ ! -e "$replaced" ] && grep -qx undone=1 "$state" 2>/dev/null; then
  if grep -qx was_running=1 "$state" && ! running; then
    start_again "this incident's undo put the data directory from before back in $pgdata already; its cluster, running before the restore, is not: starting it"
  fi
  echo "nothing to undo: this incident's undo put the data directory from before back in $pgdata already" >&2
  exit 120
fi
test -d "$replaced" || { echo "nothing to undo: no data directory was kept aside at $replaced" >&2; exit 120; }
if restored_since; then echo "incident $id restored the data directory after this one: undo it first" >&2; exit 120; fi
next_undone || { echo "nine undone directories are kept already: move $pgdata.undone-* away first" >&2; exit 3; }
# The last line a failure before the swap prints: nothing was moved, and what $pgdata holds.
stays() {
  if grep -qx recovered=1 "$state" 2>/dev/null; then held="this incident's restored data directory"
  else held="this incident's restore, which did not finish"; fi
  echo "nothing was put back ($1): $pgdata is still $held; the one from before is kept at $replaced" >&2
  exit 1
}
# What was written on the restored cluster since the restore: its WAL up to the stop, its
# transactions once stopped (every one counted); it goes aside with it, not merged back,
# and the record says so.
if running; then
  wal_end=$(sql -c "SELECT pg_current_wal_lsn()" 2>/dev/null)
  stop || stays "the cluster did not stop"
fi
kept="there was none in its place to keep aside"
if [ -e "$pgdata" ]; then
  if written_since; then aside=$written; else aside="what was written since the restore was not measured ($why)"; fi
  mv "$pgdata" "$undone" || stays "$pgdata could not be moved aside"
  kept="the restored one is kept at $undone, not merged back: $aside"
  echo "set aside in $undone, not merged back into $pgdata: $aside"
fi
mv "$replaced" "$pgdata" || { echo "undo stopped halfway: the restored data directory is kept at $undone, the one from before is still at $replaced: move it to $pgdata" >&2; exit 1; }
# said, so that a later undo or retry does not read this as a restore cut short
echo undone=1 >> "$state"
echo "restored to the data directory from before this incident's restore; $kept"
# The last line a failure from here prints: where the data is, which the document keeps.
back() { echo "the data directory from before this incident's restore is back in $pgdata (the restored one is kept at $undone), but $1" >&2; exit 1; }
if [ "$(sed -n 's/^was_running=//p' "$state" 2>/dev/null)" = 1 ]; then
  start || back "the cluster did not start ($logs): start it, then check its data"
  ready || back "it accepts no connections: check the server, then its data"
  integrity after || back "its data could not be read after the undo"
else
  echo "the cluster was not running before: left stopped"
  echo "integrity stage=after"
fi
"""
)

# Before the undo's yes, on each host: what it would do there and what it would set aside,
# one `sets aside` line (the undo's own branches, in its order); nothing is changed.
UNDO_WEIGH = (
    _SHARED
    + """\
nothing() { echo "sets aside nothing: $1"; exit 0; }
if stopped_cut_short; then
  nothing "this incident's restore stopped the cluster and ended before it replaced the data directory: the undo starts the cluster again on its own data directory"
fi
if [ ! -e "$replaced" ] && grep -qx undone=1 "$state" 2>/dev/null; then
  if grep -qx was_running=1 "$state" && ! running; then
    nothing "an earlier undo put the data directory from before back in $pgdata already, and the cluster did not start then: the undo starts it again"
  fi
  nothing "an earlier undo put the data directory from before back in $pgdata already: the undo refuses, nothing to undo"
fi
test -d "$replaced" || nothing "no data directory was kept aside at $replaced: the undo refuses, nothing to undo"
if restored_since; then nothing "incident $id restored the data directory after this one: the undo refuses, undo that one first"; fi
next_undone || nothing "nine undone directories are kept already: the undo refuses until $pgdata.undone-* are moved away"
test -e "$pgdata" || nothing "there is no data directory at $pgdata to set aside: the undo puts the one from before back"
if written_since; then
  echo "sets aside xacts=$xacts wal=$wal in=$undone: $written"
else
  echo "sets aside xacts=? wal=? in=$undone: what was written since the restore could not be measured ($why)"
fi
"""
)
