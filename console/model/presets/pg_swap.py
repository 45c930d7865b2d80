"""The PostgreSQL restores' action: stop the cluster, keep its data directory aside, move
the staged backup in with `recovery.signal` and the recovery settings, start it and wait
for promotion; then take the settings out again (DROP_SETTINGS, which the verify does too
when the action did not get that far)."""

from __future__ import annotations

from console.model.presets.pg_written import PROMOTED
from console.model.presets.pgshell import ARCHIVE_PATH, SERVER_PRELUDE
from console.model.status import NOTHING_CHANGED_SAID, ROLLED_BACK, UNDO_FIRST


def action(target: str, replay_wal: bool) -> str:
    """Swap the staged backup in and recover it to `target` (shell printing its settings);
    `replay_wal`: along the replaced cluster's own history, with what it had not archived."""
    unarchived = (
        """\
# WAL the old cluster had not archived yet (PostgreSQL docs: copy it into pg_wal)
for mark in "$replaced"/pg_wal/archive_status/*.ready; do
  [ -e "$mark" ] || continue
  seg=$(basename "$mark" .ready)
  cp "$replaced/pg_wal/$seg" "$pgdata/pg_wal/" && echo "kept unarchived WAL $seg"
done
# Its timeline, not the archive's latest: a later one may be a restore that was undone.
tli=$(LC_ALL=C "$bin/pg_controldata" "$replaced" 2>/dev/null | sed -n "s/^Latest checkpoint's TimeLineID: *//p")
"""
        if replay_wal
        else ""
    )
    # The backup's own timeline when no WAL is replayed: the archive's latest may be an
    # undone restore's, forked before the backup (PostgreSQL: "not a child of this server's
    # history").
    timeline = (
        """\
  if [ -n "$tli" ]; then echo "recovery_target_timeline = '$tli'"; fi
"""
        if replay_wal
        else """\
  echo "recovery_target_timeline = 'current'"
"""
    )
    return (
        (
            SERVER_PRELUDE
            + ARCHIVE_PATH
            + """\
if [ -e "$replaced" ] && grep -qx recovered=1 "$state" 2>/dev/null; then
  echo "this incident restored the data directory already: nothing to do again"
  exit 0
fi
test -d "$stage" || { echo "nothing staged at $stage: the precheck stages the backup" >&2; exit 3; }
test ! -e "$replaced" || { echo "$replaced exists: an earlier attempt already replaced the data directory; undo puts it back" >&2; exit #UNDO_FIRST#; }
if running; then
  echo was_running=1 >> "$state" && stop || exit 1
  left="the cluster is stopped: its data directory"; way="undo starts the cluster again"
  left_now="the cluster is stopped"
else
  echo was_running=0 >> "$state" || exit 1
  left="the data directory"; way="nothing was changed; once it can be moved, retry"
  left_now="the cluster was not running"
fi
# A move refused (permissions, a directory made immutable) leaves the cluster stopped: the
# last line says where the data is and the way back (the undo starts a cluster left so).
if [ -e "$pgdata" ] && ! why=$(mv "$pgdata" "$replaced" 2>&1); then
  echo "$why" >&2
  echo "$left $pgdata could not be moved aside to $replaced (${why##*: }) and is unchanged; $way" >&2
  exit 1
fi
why=$(mv "$stage" "$pgdata" 2>&1) || {
  echo "$why" >&2
  # No data directory was there (gone since the precheck found it): nothing was replaced,
  # no cluster stopped, nothing for an undo to put back.
  if [ ! -e "$replaced" ]; then
    echo "#NOTHING_CHANGED#: the staged backup could not be moved to $pgdata (${why##*: }): there was no data directory there to replace, and there is none now; the backup stays staged at $stage: once ${pgdata%/*} can be written, create $pgdata empty and retry" >&2
    exit #ROLLED_BACK#
  fi
  echo "$left_now; the staged backup could not be moved to $pgdata (${why##*: }); $pgdata is gone, the data directory from before is kept at $replaced: undo puts it back" >&2
  exit #UNDO_FIRST#
}
echo "data directory replaced; the old one is kept at $replaced"
"""
            + unarchived
            + """\
if [ -n "$archive" ]; then restore="cp \\"$archive/%f\\" \\"%p\\""; else restore=false; fi
{
  echo "# rollback-console "{{incident}}": recovery settings"
  echo "restore_command = '$restore'"
"""
            + target
            + timeline
            + """\
  echo "recovery_target_action = 'promote'"
  echo "# end rollback-console"
} >> "$pgdata/postgresql.auto.conf" && touch "$pgdata/recovery.signal" || exit 1
# The last line a failure prints is the one summaries show: what happened, and the way back.
way_back() { echo "recovery failed: $1; the data directory from before is kept at $replaced: undo puts it back" >&2; exit #UNDO_FIRST#; }
start || way_back "the cluster did not start"
i=0
until LC_ALL=C "$bin/pg_controldata" "$pgdata" | grep -q '^Database cluster state: *in production'; do
  running || { log_tail "the server stopped during recovery"; way_back "the server stopped during recovery ($logs)"; }
  i=$((i + 1))
  [ "$i" -lt {{wait_seconds}} ] || way_back "still recovering after "{{wait_seconds}}" s"
  sleep 1
done
# recovered and promoted: the recovery settings must not linger for a later start
"""
            + DROP_SETTINGS
            + PROMOTED
            + """\
echo recovered=1 >> "$state" || exit 1
echo "recovered and promoted"
"""
        )
        .replace("#UNDO_FIRST#", str(UNDO_FIRST))
        .replace("#ROLLED_BACK#", str(ROLLED_BACK))
        .replace("#NOTHING_CHANGED#", NOTHING_CHANGED_SAID)
    )


# The recovery settings the action wrote, taken out of postgresql.auto.conf: a later start
# with a signal file (a replica cloned from this cluster copies the file) would stop and
# promote at the target again.
DROP_SETTINGS = """\
conf="$pgdata/postgresql.auto.conf"
awk '/^# rollback-console .*: recovery settings$/ { skip = 1 } !skip { print } /^# end rollback-console$/ { skip = 0 }' \\
  "$conf" > "$conf.new" && cat "$conf.new" > "$conf" && rm -f "$conf.new" || exit 1
"""
