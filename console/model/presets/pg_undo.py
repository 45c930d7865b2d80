"""The PostgreSQL restores' undo: the data directory the action replaced put back (the
restored one kept beside it), or, after an action cut short once it had stopped the
cluster, that cluster started again on its own data directory."""

from __future__ import annotations

from console.model.presets.pgshell import SERVER_PRELUDE

UNDO = (
    SERVER_PRELUDE
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
# Another incident restored over this one since: undoing this one first would put back the
# data from before both and leave that incident nothing to undo.
for later in "$pgdata".rollback-*; do
  case "$later" in *.log | "$state") continue ;; esac
  id=${later#"$pgdata".rollback-}
  if [ "$later" -nt "$state" ] && [ -d "$pgdata.replaced-$id" ] && grep -qx recovered=1 "$later"; then
    echo "incident $id restored the data directory after this one: undo it first" >&2
    exit 120
  fi
done
# A restore retried after an undo is undone again: each restored directory is kept.
n=1
while [ -e "$undone" ]; do
  n=$((n + 1))
  [ "$n" -le 9 ] || { echo "nine undone directories are kept already: move $pgdata.undone-* away first" >&2; exit 3; }
  undone="$pgdata.undone-"{{incident}}".$n"
done
# The last line a failure before the swap prints: nothing was moved, and what $pgdata holds.
stays() {
  if grep -qx recovered=1 "$state" 2>/dev/null; then held="this incident's restored data directory"
  else held="this incident's restore, which did not finish"; fi
  echo "nothing was put back ($1): $pgdata is still $held; the one from before is kept at $replaced" >&2
  exit 1
}
if running; then stop || stays "the cluster did not stop"; fi
if [ -e "$pgdata" ]; then mv "$pgdata" "$undone" || stays "$pgdata could not be moved aside"; fi
mv "$replaced" "$pgdata" || { echo "undo stopped halfway: the restored data directory is kept at $undone, the one from before is still at $replaced: move it to $pgdata" >&2; exit 1; }
# said, so that a later undo or retry does not read this as a restore cut short
echo undone=1 >> "$state"
echo "restored to the data directory from before this incident's restore; the restored one is kept at $undone"
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
