"""The PostgreSQL restores' precheck: the backup unpacked beside the data directory and
verified against its manifest while the cluster still runs, what the restored data is
expected to hold, and what a retry needs written once every check has passed."""

from __future__ import annotations

from console.model.presets.pgshell import ARCHIVE_PATH, SERVER_PRELUDE
from console.model.status import UNDO_FIRST

_STAGE = (
    """\
backup={{backup}}
"""
    + ARCHIVE_PATH
    + """\
# a name mistyped (nigthly): the backups there, newest first, to choose from
test -d "$backup" || {
  near=$(cd "$(dirname "$backup")" 2>/dev/null && ls -1dt -- */ 2>/dev/null | head -n 5 | sed 's|/$||' | paste -s -d ' ')
  echo "no backup directory $backup (backup)${near:+; the newest beside it: $near}" >&2
  exit 3
}
# This incident's action replaced the data directory already: once it recovered, a retry
# checks it again (the before it measured stays the before); else undo comes first
# (UNDO_FIRST: the console names the undo as the way on, not a retry).
again=
if [ -e "$replaced" ]; then
  if ! grep -qx recovered=1 "$state" 2>/dev/null; then
    echo "$replaced exists: this incident's restore did not finish; undo puts that data directory back, then retry" >&2
    exit #UNDO_FIRST#
  fi
  from=$(sed -n 's/^backup=//p' "$state")
  if [ "$from" != "$backup" ]; then
    echo "this incident restored $from already: undo it first to restore $backup instead" >&2
    exit #UNDO_FIRST#
  fi
  echo "this incident restored $backup already (the data directory it replaced is kept at $replaced): checking it again"
  sed -n 's/^before=//p' "$state"
  again=1
else
  # first, before any refusal: a retry refused would leave the cluster down, unsaid
  if stopped_cut_short; then
    echo "this incident's earlier attempt stopped the cluster and ended before it replaced the data directory: starting the cluster again first"
    start || exit 3
  fi
  # a data directory the login user cannot read hides its cluster: pg_ctl status says
  # "not running" of a server that runs as its owner, and PG_VERSION looks absent
  if [ -e "$pgdata" ] && ! { [ -r "$pgdata" ] && [ -x "$pgdata" ]; }; then
    echo "$pgdata (pgdata) belongs to $(stat -c %U "$pgdata"), and $(id -un) cannot read it: whether its cluster runs cannot be seen; log in as its owner" >&2
    exit 3
  fi
  # a mistyped pgdata would get the backup started beside the running cluster
  test -e "$pgdata" || { no_pgdata; exit 3; }
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    test -d "$pgdata" && test -z "$(ls -A "$pgdata")" || {
      echo "$pgdata (pgdata) is not a PostgreSQL data directory (no PG_VERSION): check the path;" \\
        "to restore where the data directory is gone, create it empty" >&2
      exit 3
    }
  fi
  test -x "$bin/pg_verifybackup" || { echo "pg_verifybackup not found in $bin: the backup cannot be verified; install it there or set bindir" >&2; exit 3; }
  test -w "$(dirname "$pgdata")" || { echo "$(dirname "$pgdata") is not writable by $(id -un): the data directory cannot be kept aside" >&2; exit 3; }
  kept_aside | while read -r kept; do
    echo "kept aside by an earlier incident: $kept (the data directory before that incident's restore)"
  done
  if running; then
    if [ {{stop}} = pg_ctl ] && [ ! -O "$pgdata" ]; then
      echo "the cluster belongs to another user than $(id -un): log in as its owner or set stop and start" >&2
      exit 3
    fi
    echo "the cluster runs (postmaster $(head -n 1 "$pgdata/postmaster.pid")): the action stops it"
    reach || exit 3  # the verify connects as this does
    before=$(integrity before) || exit 3
  else
    # the verify connects to the restored cluster at pg_port: a port it is not configured
    # for would fail it (after a wait) once the data directory is replaced
    port=$("$bin/postgres" -D "$pgdata" -C port 2>/dev/null)
    if [ -n "$port" ] && [ "$port" != "$PGPORT" ]; then
      echo "pg_port is $PGPORT, but $pgdata is configured for port $port: the verify would not reach the restored cluster; set pg_port" >&2
      exit 3
    fi
    # none runs on pgdata, yet a server answers where the verify connects: pgdata is not
    # that server's directory (a copy kept aside, an old cluster), which stays as it is
    if "$bin/pg_isready" -q; then
      serving=$(sql -c 'SHOW data_directory' 2>/dev/null)
      echo "no cluster runs on $pgdata (pgdata), but a server answers at ${PGHOST:-the default socket}, port $PGPORT (pg_host, pg_port)${serving:+, on $serving}: the restore would replace a directory it does not use, and the verify would read that server; check pgdata" >&2
      exit 3
    fi
    echo "the cluster is not running: nothing to measure before"
    before="integrity stage=before"
  fi
  echo "$before"
fi
if [ -n "$archive" ]; then
  test -d "$archive" && test -r "$archive" || { echo "the WAL archive $archive is not a readable directory" >&2; exit 3; }
fi
expect={{expect}}
#EXPECTATION#
echo "integrity stage=expected${expect:+ $expect}"
test -z "$again" || exit 0

unpack() {
  if ls "$backup" | grep -Eq '^[0-9]+[.]tar'; then
    echo "the backup has tablespaces: this preset restores only the main data directory" >&2
    return 1
  fi
  if [ -f "$backup/base.tar.gz" ]; then
    tar -xzf "$backup/base.tar.gz" -C "$stage" || return 1
  elif [ -f "$backup/base.tar" ]; then
    tar -xf "$backup/base.tar" -C "$stage" || return 1
  elif [ -f "$backup/PG_VERSION" ]; then
    cp -a "$backup/." "$stage/" && rm -f "$stage/expected-integrity" || return 1
  else
    echo "$backup holds no base backup (base.tar, base.tar.gz or a plain data directory)" >&2
    return 1
  fi
  mkdir -p "$stage/pg_wal" || return 1
  if [ -f "$backup/pg_wal.tar.gz" ]; then
    tar -xzf "$backup/pg_wal.tar.gz" -C "$stage/pg_wal" || return 1
  elif [ -f "$backup/pg_wal.tar" ]; then
    tar -xf "$backup/pg_wal.tar" -C "$stage/pg_wal" || return 1
  fi
  test ! -s "$stage/tablespace_map" || { echo "the backup has tablespaces: not supported by this preset" >&2; return 1; }
  test -f "$stage/backup_label" || { echo "no backup_label: this is not a pg_basebackup" >&2; return 1; }
  want=$("$bin/postgres" -V | sed 's/^[^0-9]*\\([0-9]*\\).*/\\1/')
  test "$(cat "$stage/PG_VERSION")" = "$want" || { echo "the backup is PostgreSQL $(cat "$stage/PG_VERSION"), the binaries in $bin are $want" >&2; return 1; }
  if [ -f "$backup/backup_manifest" ]; then
    if ls "$stage/pg_wal" | grep -Eq '^[0-9A-F]{24}$'; then
      "$bin/pg_verifybackup" -m "$backup/backup_manifest" "$stage" || return 1
    elif [ -n "$archive" ]; then
      "$bin/pg_verifybackup" -m "$backup/backup_manifest" -w "$archive" "$stage" || return 1
    else
      "$bin/pg_verifybackup" -n -m "$backup/backup_manifest" "$stage" || return 1
      echo "the backup holds no WAL and no archive is set: its WAL was not checked"
    fi
  else
    echo "no backup_manifest in $backup: pg_verifybackup cannot check this backup"
  fi
}
rm -rf "$stage" && mkdir -m 700 "$stage" || exit 3
# The host's last line is what the run and the document show: it names the first reason
# given (tar's, gzip's, pg_verifybackup's), not only that there were some above it.
if ! unpack 2>"$stage.why"; then
  cat "$stage.why" >&2
  why=$(grep -v -e '^ *$' -e 'Exiting with failure status' -e 'Error is not recoverable' "$stage.why" | head -n 1)
  rm -rf "$stage" "$stage.why"
  echo "backup $backup not staged: ${why:-see the lines above}: nothing was changed" >&2
  exit 4
fi
rm -f "$stage.why"
# A backup taken from a standby holds its standby.signal: left in, the restored server would
# come up as a standby (streaming from the primary_conninfo the backup holds, a replay to the
# end never ending) and, once promoted, leave recovery.signal behind for its next start.
if [ -e "$stage/standby.signal" ]; then
  rm -f "$stage/standby.signal" || { rm -rf "$stage"; exit 3; }
  echo "the backup was taken from a standby: its standby.signal is left out (the restore recovers from the backup and the archive, not as a standby)"
fi
# The restored cluster reads the configuration the backup holds (postgresql.conf and
# postgresql.auto.conf in its data directory, unless they live elsewhere, as on Debian):
# another port there and it would listen where neither the verify nor its clients connect.
port=$("$bin/postgres" -D "$stage" -C port 2>/dev/null)
if [ -n "$port" ] && [ "$port" != "$PGPORT" ]; then
  rm -rf "$stage"
  echo "the backup $backup is configured for port $port (its postgresql.conf), pg_port is $PGPORT:" \\
    "the restored cluster would listen on $port, out of the verify's reach and its clients'; nothing was changed" >&2
  exit 3
fi
label=$(sed -n 's/^START TIME: //p' "$stage/backup_label")
# The label's START TIME is local time in the server's log_timezone, with that zone's
# abbreviation, which GNU date reads as it knows it: CST as America's, not China's, IST as
# India's, not Israel's or Ireland's, AEST not at all. Read in that zone (the backup's own
# configuration, else the running cluster's), it is the instant whose local time and
# abbreviation there are the label's to the letter (a clock set back holds an hour twice);
# without the zone, only an offset or UTC is read as written.
zone=$("$bin/postgres" -D "$stage" -C log_timezone 2>/dev/null) ||
  zone=$(running && sql -c 'SHOW log_timezone' 2>/dev/null) ||
  zone=$("$bin/postgres" -D "$pgdata" -C log_timezone 2>/dev/null) || zone=
since=
if [ -n "$zone" ] && guess=$(TZ="$zone" date -d "${label% *}" +%s 2>/dev/null); then
  for at in "$guess" $((guess - 3600)) $((guess + 3600)); do
    if [ "$(TZ="$zone" date -d "@$at" '+%F %T %Z')" = "$label" ]; then since=$at; break; fi
  done
fi
if [ -z "$since" ]; then
  case "${label##* }" in
    UTC | GMT | [+-][0-9][0-9] | [+-][0-9][0-9][0-9][0-9]) since=$(date -u -d "$label" +%s 2>/dev/null) ;;
  esac
fi
# said in UTC, as every other time of the record: the label's abbreviation names its zone
# ambiguously (CST: China's or America's); without the zone, as the label says it
started=$label
if [ -n "$since" ]; then started="$(date -u -d "@$since" '+%F %T') UTC"; fi
echo "backup started: $started"
"""
)

# What the restored data is expected to hold. The backup's `expected-integrity` file says
# what the backup holds at its consistent point: a recovery that replays WAL past it
# holds more (or less) and is judged only on an `expect` given for that target.
_EXPECT_BACKUP = """\
if [ -z "$expect" ] && [ -f "$backup/expected-integrity" ]; then
  expect=$(head -n 1 "$backup/expected-integrity")
  echo "expected integrity from $backup/expected-integrity"
fi
if [ -z "$expect" ]; then
  echo "nothing is expected of the restored data (no expect, no expected-integrity): the after is recorded, not judged"
fi
"""
_EXPECT_REPLAYED = """\
if [ -z "$expect" ] && [ -f "$backup/expected-integrity" ]; then
  echo "$backup/expected-integrity is what the backup held, not what the WAL replayed past it holds: not used"
fi
if [ -z "$expect" ]; then
  echo "nothing is expected of the recovered data (no expect): the after is recorded, not judged"
fi
"""


def _stage(replays_wal: bool) -> str:
    return _STAGE.replace("#UNDO_FIRST#", str(UNDO_FIRST)).replace(
        "#EXPECTATION#\n", _EXPECT_REPLAYED if replays_wal else _EXPECT_BACKUP
    )


# Said once every check has passed: a later check that refuses removes the staged copy.
# What a retry needs (the backup, the before) is written only then: a refusal leaves nothing.
_STAGED = """\
printf 'backup=%s\\nstarted=%s\\nbefore=%s\\n' "$backup" "$started" "$before" > "$state" ||
  { rm -rf "$stage"; echo "cannot write $state" >&2; exit 3; }
echo "staged and verified at $stage"
"""


def precheck(replays_wal: bool, after_staging: str = "", before_staging: str = "") -> str:
    """The precheck: `before_staging`, the backup staged and verified, `after_staging`."""
    return SERVER_PRELUDE + before_staging + _stage(replays_wal) + after_staging + _STAGED
