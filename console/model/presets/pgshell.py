"""Shell pieces the PostgreSQL presets share: finding the binaries, connecting, measuring
integrity, and staging, starting and stopping a cluster.

Every piece is POSIX sh around PostgreSQL's own tools; values only ever arrive through
`{{param}}` placeholders, which the console checks and shell-quotes. Besides the data
directory, the server presets keep, beside it (named after the incident):
`<pgdata>.staged-<incident>` (the backup, unpacked and verified by the precheck),
`<pgdata>.replaced-<incident>` (the data directory the action replaced, for undo),
`<pgdata>.undone-<incident>[.N]` (the restored one, after an undo) and
`<pgdata>.rollback-<incident>` (+ `.log`: what undo needs, and the server's start log).
"""

from __future__ import annotations

from console.model.param_types import ParamType
from console.model.presets.base import param

IDENT = r"[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?"
EXPECT_TOKEN = rf"(checksum=[0-9a-f]{{1,64}}|rows\.{IDENT}=[0-9]{{1,18}})"

_BINDIR = r"auto|/[A-Za-z0-9._/+-]{0,1023}"
CLIENT_BINDIR = param(
    "bindir",
    "directory of psql; `auto`: PATH, else the newest /usr/lib/postgresql/N/bin or"
    " /usr/pgsql-N/bin",
    default="auto",
    pattern=_BINDIR,
    takes="auto, or an absolute directory (/usr/lib/postgresql/15/bin)",
)
SERVER_BINDIR = param(
    "bindir",
    "directory of pg_ctl, psql, pg_verifybackup; `auto`: /usr/lib/postgresql/N/bin or"
    " /usr/pgsql-N/bin for the data directory's version N, else PATH",
    default="auto",
    pattern=_BINDIR,
    takes="auto, or an absolute directory (/usr/lib/postgresql/15/bin)",
)

CONNECTION = (
    param(
        "pg_host",
        "PGHOST for psql: a socket directory or an address; empty: libpq's default",
        default="",
        pattern=r"|[A-Za-z0-9._/:-]{1,255}",
        takes="a host name, an address or a socket directory (/var/run/postgresql), or empty",
    ),
    param("pg_port", "PGPORT for psql", type=ParamType.PORT, default="5432"),
    param(
        "pg_user",
        "PGUSER for psql; empty: the login user",
        default="",
        pattern=r"|[A-Za-z0-9_.-]{1,63}",
        takes="a role name of letters, digits, '_', '.', '-', or empty (the login user)",
    ),
    param(
        "database", "the database to measure and migrate", type=ParamType.NAME, default="postgres"
    ),
    param(
        "tables",
        "comma-separated tables whose row counts (and checksum) are recorded before and after",
        default="",
        pattern=rf"|{IDENT}(,{IDENT})*",
        takes="table names joined by commas, no spaces (orders,public.customers)",
    ),
)

SERVER = (
    param("pgdata", "the cluster's data directory", type=ParamType.PATH, required=True),
    SERVER_BINDIR,
    param(
        "start",
        "command that starts the cluster; `pg_ctl`: pg_ctl -D pgdata start",
        default="pg_ctl",
    ),
    param(
        "stop",
        "command that stops the cluster; `pg_ctl`: pg_ctl -D pgdata -m fast stop",
        default="pg_ctl",
    ),
    param(
        "wait_seconds",
        "how long to wait for a stop, a start or a recovery to finish (and, up to 60 s, for"
        " the archiver to finish copying a WAL segment)",
        type=ParamType.INTEGER,
        default="3600",
        pattern="[0-9]{1,6}",
    ),
)

LOCK_TIMEOUT = param(
    "lock_timeout",
    "the longest each read or change of the tables waits for a lock the application holds"
    " (PostgreSQL's lock_timeout: 10s, 500ms, 1min): it then gives up, saying who holds it;"
    " waiting, a change would hold up every query on the table; 0: no limit",
    default="10s",
    pattern=r"[0-9]{1,9}(ms|s|min)?",
    takes="a number, with ms, s or min (10s, 500ms, 1min; 0: no limit)",
)

EXPECT = param(
    "expect",
    "the integrity expected after, as `rows.TABLE=N` (and `checksum=...`) tokens;"
    " empty: the backup's `expected-integrity` file if it has one and no WAL is replayed"
    " past the backup, else nothing is expected",
    default="",
    pattern=rf"|{EXPECT_TOKEN}( {EXPECT_TOKEN})*",
    takes="rows.TABLE=N tokens (and checksum=HEX), space-separated: rows.orders=1200",
)

_FIND_BIN = """\
bin={{bindir}}
if [ "$bin" = auto ]; then
  bin=
  for d in %s; do
    if [ -x "$d/psql" ]; then bin=$d; break; fi
  done
fi
"""

_CONNECT = """\
for tool in %s; do
  test -x "$bin/$tool" || { echo "$tool not found in ${bin:-PATH}: set bindir" >&2; exit 3; }
done
if [ -n {{pg_host}} ]; then export PGHOST={{pg_host}}; fi
if [ -n {{pg_user}} ]; then export PGUSER={{pg_user}}; fi
export PGPORT={{pg_port}} PGDATABASE={{database}} PGCONNECT_TIMEOUT=10
# -w: a password comes from ~/.pgpass (or PGPASSFILE) or not at all; asked for, psql would
# print its prompt where its reason goes, and read the prompt's answer from nothing
sql() { "$bin/psql" -wXAtq -v ON_ERROR_STOP=1 "$@"; }
# Whether psql reaches the database; else one line naming it and psql's reason (its first
# line: the lines after it are hints, and the host's failure line is its last stderr line)
reach() {
  why=$("$bin/psql" -wXAtq -c 'SELECT 1' 2>&1 >/dev/null) && return 0
  echo "cannot connect to database $PGDATABASE: $(echo "$why" | head -n 1 | sed 's/^psql: error: //')" >&2
  return 1
}

# After a lock timeout: the sessions in a transaction on the database, the likely holders
# (not their queries: those hold the application's data), as the end of the host's line.
lock_holders() {
  sql <<'SQL'
SELECT '; in a transaction on ' || current_database() || ' then: ' || string_agg(format('pid %%s (%%s%%s, %%s since %%s UTC)',
  pid, usename, coalesce(' ' || nullif(application_name, ''), ''), state,
  to_char(xact_start AT TIME ZONE 'UTC', 'HH24:MI:SS')), '; ' ORDER BY xact_start)
  || ': end it, or retry once it is done'
FROM pg_stat_activity WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()
SQL
}

# The tables named that the database does not have (misspelt, or dropped), comma-separated:
# a name lookup, which waits for no lock.
absent_tables() {
  test -n {{tables}} || return 0
  reach || return 1
  for t in $(echo {{tables}} | tr , ' '); do
    there=$(sql -v t="$t" <<'SQL'
SELECT to_regclass(:'t') IS NOT NULL
SQL
    ) || return 1
    test "$there" = t || printf '%%s\n' "$t"
  done | paste -s -d , -
}

# One `integrity` line for the named tables: row counts, and a checksum of their rows
# unless $2 is `rows` (a schema change rewrites every row, but keeps the count).
integrity() {
  tables={{tables}}
  if [ -z "$tables" ]; then echo "integrity stage=$1"; return 0; fi
  reach || return 1
  err=$(mktemp) || return 1
  found=$(for t in $(echo "$tables" | tr , ' '); do
    sql -v t="$t" 2>> "$err" <<'SQL' || exit 1
SELECT format('SELECT %%L, count(*), md5(coalesce(string_agg(md5(x::text), '''' ORDER BY md5(x::text)), '''')) FROM %%s AS x', :'t', to_regclass(:'t')) WHERE to_regclass(:'t') IS NOT NULL
\\gexec
SQL
  done) || {
    why=$(sed -n 's/^.*ERROR: *//p' "$err" | head -n 1)
    rm -f "$err"
    case "$why" in *"lock timeout"*) why="$why$(lock_holders 2>/dev/null)" ;; esac
    echo "cannot read the tables $tables${why:+: $why}" >&2
    return 1
  }
  rm -f "$err"
  rows=$(echo "$found" | awk -F'|' 'NF == 3 { printf " rows.%%s=%%s", $1, $2 }')
  # a table named that the database does not have (misspelt, or dropped): said, never
  # left out unseen
  absent=$(for t in $(echo "$tables" | tr , ' '); do
    echo "$found" | awk -F'|' -v t="$t" '$1 == t { n++ } END { exit n == 0 }' || printf '%%s,' "$t"
  done)
  rows="$rows${absent:+ absent=${absent%%,}}"
  # the database measured, said on the line: the tables of another are not these
  if [ "$2" = rows ]; then
    echo "integrity stage=$1 database=$PGDATABASE$rows"
  else
    echo "integrity stage=$1 database=$PGDATABASE checksum=$(echo "$found" | sha256sum | cut -c1-16)$rows"
  fi
}
"""

# Every session of the PostgreSQL presets' commands (psql's, alembic's) waits no longer than
# lock_timeout for a lock: the bad delivery's schema change, or a session of the application
# left in a transaction, may hold one on the tables read (their rows, the schema's sum), and
# a read, like a change, would queue behind it, the command hung until its timeout. It goes
# after the host's own PGOPTIONS (a search_path the application's account sets there).
LOCKS_BOUNDED = """\
PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c lock_timeout="{{lock_timeout}}
export PGOPTIONS
"""

# The migration presets' refusal of a table named that the database does not have (a
# misspelt `tables`): its rows would be compared with nothing, and a downgrade that failed
# would read as one that kept them. Asked before anything is written (in the resolve too).
TABLES_THERE = """\
absent=$(absent_tables) || exit 3
test -z "$absent" || {
  echo "no table $absent in database "{{database}}" (named in tables): its rows could not be checked; correct tables, then run it again" >&2
  exit 3
}
"""

# A client: psql from bindir, PATH, or the newest Debian/PGDG install.
CLIENT_PRELUDE = (
    _FIND_BIN
    % '"$(dirname "$(command -v psql || echo /none/psql)")" $(ls -d /usr/lib/postgresql/*/bin /usr/pgsql-*/bin 2>/dev/null | sort -rV)'
    + _CONNECT % "psql"
)

# A path from the workdir (where the commands start) made absolute: PostgreSQL runs
# restore_command in the data directory, and the precheck reads the WAL through links
# made in a directory of its own.
_ABSOLUTE = """case ${0} in ''|/*) ;; *) {0}="$PWD/${0}" ;; esac\n"""
ARCHIVE_PATH = "archive={{archive}}\n" + _ABSOLUTE.format("archive")

# A server: the binaries of the data directory's own major version.
SERVER_PRELUDE = (
    "pgdata={{pgdata}}\n"
    + _ABSOLUTE.format("pgdata")
    # a trailing slash (a path the shell completed) names the same directory: what is kept
    # goes beside it, never inside it (`mv` of the directory into itself fails, the cluster
    # stopped)
    + 'while [ "${pgdata%/}" != "$pgdata" ] && [ "$pgdata" != / ]; do pgdata=${pgdata%/}; done\n'
    + 'ver=$(cat "$pgdata/PG_VERSION" "$pgdata".*-*/PG_VERSION 2>/dev/null | head -n 1)\n'
    + _FIND_BIN
    % '${ver:+/usr/lib/postgresql/$ver/bin /usr/pgsql-$ver/bin} "$(dirname "$(command -v pg_ctl || echo /none/pg_ctl)")"'
    + """\
# pgdata mistyped: the key, the value and what is not there, with the data directories
# beside it to choose from (not those the restores keep aside)
no_pgdata() {
  near=$(for d in "${pgdata%/*}"/*; do
    case $d in *.replaced-* | *.undone-* | *.staged-*) continue ;; esac
    if [ -f "$d/PG_VERSION" ]; then echo "$d"; fi
  done | head -n 3 | paste -s -d ' ' -)
  echo "no directory $pgdata (pgdata)${near:+; the data directories beside it: $near}: check the path;" \\
    "to restore where the data directory is gone, create it empty" >&2
}
# bindir auto reads the version in pgdata: a pgdata not there is said as such, before the
# binaries PATH would give (a pg_ctl there, without the rest: "pg_controldata not found")
if [ -z "$ver" ] && [ {{bindir}} = auto ]; then
  test -d "$pgdata" || { no_pgdata; exit 3; }
  test -n "$bin" || { echo "$pgdata (pgdata) has no PG_VERSION to find the binaries by (bindir auto): check the path, or set bindir" >&2; exit 3; }
fi
"""
    + _CONNECT % "pg_ctl pg_controldata postgres psql pg_isready"
    + LOCKS_BOUNDED
    + """\
stage="$pgdata.staged-"{{incident}}
replaced="$pgdata.replaced-"{{incident}}
undone="$pgdata.undone-"{{incident}}
state="$pgdata.rollback-"{{incident}}
running() { "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; }
# The data directories earlier incidents kept aside, by incident: directories alone, not the
# files a restore aimed at such a copy left beside it (`<pgdata>.replaced-ID.rollback-ID2.log`).
kept_aside() {
  for d in "$pgdata".replaced-*; do
    case ${d##*.replaced-} in *.*) ;; *) if [ -d "$d" ]; then echo "$d"; fi ;; esac
  done
}
# This incident's action cut short (Ctrl-C, the session lost) once it had stopped the
# cluster, before it moved the data directory aside: that directory is the one from before,
# its cluster down. The undo and a retry start it again. Not once undone (`undone=1`): the
# undo moved the data directory kept aside back, and with it went the sign of a swap.
stopped_cut_short() {
  [ ! -e "$replaced" ] && grep -qx was_running=1 "$state" 2>/dev/null && ! grep -qx undone=1 "$state" && ! running
}
# Where the server logs: pg_ctl's -l here, else wherever the `start` command sends it
# (pg_ctlcluster: /var/log/postgresql), which this script cannot read.
if [ {{start}} = pg_ctl ]; then serverlog="$state.log"; logs="the server logs to $state.log"
else serverlog=; logs="the server logs where the start command sends it"; fi
log_tail() { if [ -n "$serverlog" ]; then echo "$1; its log ends:" >&2; tail -n 20 "$serverlog" >&2; else echo "$1 ($logs)" >&2; fi; }
start() {
  if [ {{start}} = pg_ctl ]; then
    # a parent made read-only (why a move aside failed) has no room for a new log beside it
    if ! true 2>/dev/null >> "$serverlog"; then  # `:`, a special builtin, would end the script
      serverlog=$(mktemp "${TMPDIR:-/tmp}/${state##*/}.log.XXXXXX") || return 1
      logs="the server logs to $serverlog"
      echo "${pgdata%/*} is not writable: $logs"
    fi
    "$bin/pg_ctl" -D "$pgdata" -l "$serverlog" -w -t {{wait_seconds}} start >/dev/null
  else
    sh -c {{start}} || { log_tail "the cluster did not start: the start command '"{{start}}"' exited $?"; return 1; }
  fi || { log_tail "the cluster did not start"; return 1; }
}
stop() {
  if [ {{stop}} = pg_ctl ]; then
    "$bin/pg_ctl" -D "$pgdata" -m fast -w -t {{wait_seconds}} stop >/dev/null
  else
    sh -c {{stop}}
  fi || { echo "the cluster did not stop" >&2; return 1; }
}
ready() {
  i=0
  until "$bin/pg_isready" -q; do
    i=$((i + 1))
    [ "$i" -lt {{wait_seconds}} ] || {
      echo "no connections after "{{wait_seconds}}" s at ${PGHOST:-the default socket}, port $PGPORT (pg_host, pg_port)" >&2
      return 1
    }
    sleep 1
  done
}
"""
)
