"""migration-reversal preset `sql`: down-migration SQL files applied with psql in one
transaction (golang-migrate's layout: `<version>_<name>.down.sql` beside
`<version>_<name>.up.sql`), the version in a table (see migrations.py for what both
migration presets keep in `.rollback/`)."""

from __future__ import annotations

from console.model.kinds import StrategyKind
from console.model.param_types import ParamType
from console.model.presets.base import Preset, Resolve, param
from console.model.presets.migration_stops import further, keep, stops
from console.model.presets.pgshell import (
    CLIENT_BINDIR,
    CLIENT_PRELUDE,
    CONNECTION,
    IDENT,
    LOCK_TIMEOUT,
    LOCKS_BOUNDED,
    TABLES_THERE,
)
from console.model.status import ROLLED_BACK, ROLLED_BACK_SAID

# --- sql: down files per version, psql -v ON_ERROR_STOP=1 --single-transaction ---------

# what reads the files and the database, writing nothing (the resolve runs it alone)
_SQL_READ = (
    CLIENT_PRELUDE
    + LOCKS_BOUNDED
    + """\
dir=$(cd {{migrations_dir}} && pwd) || { echo "no migrations directory "{{migrations_dir}}" (named in migrations_dir)" >&2; exit 3; }
reach || exit 3
# whether the version table is there (a restore from before it, a drop, leave none): t or f
version_table() {
  sql -v t={{version_table}} <<'SQL'
SELECT to_regclass(:'t') IS NOT NULL
SQL
}
# the version recorded in the database (golang-migrate: one row; Rails/dbmate: a row each)
version() {
  sql -v t={{version_table}} <<'SQL'
SELECT format('SELECT coalesce(max(version::numeric), 0) FROM %s', to_regclass(:'t')) \\gexec
SQL
}
# every version that has a migration file, ascending
versions() {
  ls "$dir" | sed -n 's/^0*\\([0-9]\\{1,20\\}\\)\\([_.][A-Za-z0-9_.-]*\\)\\{0,1\\}[.]\\(up\\|down\\)[.]sql$/\\1/p' | sort -n -u
}
file_of() {  # $1 version, $2 up|down
  ls "$dir" | awk -v v="$1" -v d="$2" '
    /^[0-9]+[A-Za-z0-9_.-]*$/ && match($0, /^[0-9]+/) && substr($0, 1, RLENGTH) + 0 == v + 0 \\
      && $0 ~ ("[.]" d "[.]sql$") { print; n++ }
    END { exit n != 1 }'
}
"""
)
_SQL = _SQL_READ + "mkdir -p .rollback || exit 3\n"


def _where(again: str) -> str:
    """The precheck's reading, writing nothing: the schema's version ($cur), the target
    resolved ($target), the down files from it to the target ($plan, `VERSION FILE` a
    line, newest first); a refusal exits as the precheck does. Where this incident's
    reversal left the schema already, `again` runs (and exits)."""
    return (
        """\
found=$(version_table) || exit 3
test "$found" = t || {
  echo "no table "{{version_table}}" in database "{{database}}" (named in version_table): the migrations' version is not recorded there; correct version_table or database, then run it again" >&2
  exit 3
}
if [ {{bookkeeping}} = single-row ]; then
  dirty=$(sql -v t={{version_table}} <<'SQL'
SELECT format('SELECT bool_or(dirty) FROM %s', to_regclass(:'t')) \\gexec
SQL
  ) || exit 3
  test "$dirty" != t || { echo "the database is marked dirty: a migration failed halfway; repair it first" >&2; exit 3; }
fi
cur=$(version) || exit 3
target={{target}}
if [ "$target" != previous ]; then  # 000001 is version 1, as the database records it
  target=$(echo "$target" | sed 's/^0*//') && target=${target:-0}
fi
done=$(cat .rollback/sql-target 2>/dev/null)
by=$(cat .rollback/sql-incident 2>/dev/null)
# A retry in this incident of the reversal it made (its check failed) checks it again: a
# named target too, which would else read "already at version ...: nothing to reverse".
if [ "$done" = "$cur" ] &&
  { [ "$target" = previous ] || { [ "$target" = "$done" ] && [ "$by" = {{incident}} ]; }; }; then
  if [ "$by" != {{incident}} ]; then
    echo "already reversed to version $cur (from $(cat .rollback/sql-from 2>/dev/null)," \\
      "incident ${by:-unknown}): previous would go further down; name the target version" >&2
    exit 120
  fi
"""
        + again
        + """\
fi
"""
        + further("sql", "$cur", "schema version")
        + """\
test "$cur" != 0 || { echo "no migration is recorded: nothing to reverse" >&2; exit 120; }
if [ "$target" = previous ]; then
  target=$(versions | awk -v c="$cur" '$1 < c + 0 { p = $1 } END { print (p == "" ? 0 : p) }')
fi
test "$target" != "$cur" || { echo "already at version $cur: nothing to reverse" >&2; exit 120; }
# a target named outright is a version of the files (or 0): one they lack would be recorded
# as the schema's version, a migration that does not exist
below=$(versions | awk -v c="$cur" '$1 < c + 0' | sort -rn | head -n 5 | paste -s -d , - | sed 's/,/, /g')
if [ "$target" != 0 ] && ! versions | grep -qx -- "$target"; then
  echo "no migration version $target in $dir: nothing reversed; name previous, 0 or a version below $cur (${below:-none})" >&2
  exit 3
fi
test "$target" -lt "$cur" || { echo "version $cur is not above the target $target: nothing reversed; name previous, 0 or a version below $cur (${below:-none})" >&2; exit 3; }
plan=$(for v in $(versions | awk -v c="$cur" -v t="$target" '$1 > t + 0 && $1 <= c + 0' | sort -rn); do
  down=$(file_of "$v" down) || {
    if [ -n "$down" ]; then
      echo "several down migrations for version $v in $dir (named in migrations_dir): $(echo $down | sed 's/ /, /g'); keep one, then run it again" >&2
    else
      echo "no down migration for version $v in $dir (named in migrations_dir): nothing reverses $(file_of "$v" up || echo "version $v"); write its .down.sql, then run it again" >&2
    fi
    exit 3
  }
  file_of "$v" up > /dev/null || { echo "no single up migration for version $v in $dir (named in migrations_dir): undo needs it" >&2; exit 3; }
  if grep -Eiq '^[[:space:]]*(begin|commit|rollback|start[[:space:]]+transaction|end)[[:space:]]*;' "$dir/$down"; then
    echo "$down controls its own transaction: it cannot run inside one" >&2
    exit 3
  fi
  echo "$v $down"
done) || exit 3
test -n "$plan" || { echo "no migration between $target and $cur" >&2; exit 3; }
"""
        + TABLES_THERE
    )


SQL_PRECHECK = (
    _SQL
    + _where(
        """\
  echo "schema version $cur, where this incident's reversal put it: checking it again"
  integrity before rows
  exit 0
"""
    )
    + """\
echo "$plan" > .rollback/sql-plan
echo "${first:-$cur}" > .rollback/sql-from && echo "$target" > .rollback/sql-target &&
  echo {{incident}} > .rollback/sql-incident || exit 3
# a further reversal adds its plan to the one undo holds (a version once, if planned twice)
if [ -n "$first" ]; then
  sort -n -u -k1,1 "$mine-plan" .rollback/sql-plan > "$mine-plan.new" && mv "$mine-plan.new" "$mine-plan"
else
  cp .rollback/sql-plan "$mine-plan"
fi || exit 3
"""
    + keep("sql")
    + """\
echo "schema version $cur; going down to $target with, in one transaction:"
cat .rollback/sql-plan
integrity before rows
"""
)

# The target `previous` stands for, asked before the commander's yes: nothing written.
SQL_RESOLVE = (
    _SQL_READ
    + _where(
        """\
  echo "resolved target=$cur: schema version $cur, where this incident's reversal put it: checked again, nothing reversed"
  exit 0
"""
    )
    + """\
echo "resolved target=$target: schema version $cur down to $target, reversing" \\
  "$(echo "$plan" | awk '{ print $2 }' | paste -s -d ' ')"
"""
)


def _apply(plan: str, bookkeeping: str, what: str) -> str:
    """One psql script: the plan's files in order, then the version bookkeeping."""
    return f"""\
{{
  while read -r v f; do
    printf '%s\\n' "\\echo {what} $v: $f" "\\i '$dir/$f'"
  done < {plan}
  printf '%s\\n' "\\set t "{{{{version_table}}}}
  {bookkeeping}
}} > .rollback/sql-script.psql || exit 1
# psql's stderr shown as it comes and kept: the failure's last line (the one summaries
# show) names the statement's error beside what became of the database
err=.rollback/sql-script.psql.err
# A lock the application holds (a session idle in a transaction) is waited for no longer
# than lock_timeout (PGOPTIONS, above): waiting, the statement would queue every query on
# the table behind it.
{{ {{ sql --single-transaction -f .rollback/sql-script.psql; echo $? > "$err.status"; }} 2>&1 1>&3 | tee "$err" >&2; }} 3>&1
psql_status=$(cat "$err.status" 2>/dev/null)
if [ "$psql_status" != 0 ]; then
  why=$(grep -E 'ERROR:|FATAL:' "$err" | tail -n 1 | sed 's|^psql:[^:]*/||')
  held=
  if grep -q 'lock timeout' "$err"; then held=$(lock_holders); fi
  if [ "$psql_status" = 3 ]; then  # a statement failed: psql rolled the transaction back
    echo "{ROLLED_BACK_SAID}${{why:+ ($why)}}$held" >&2
    exit {ROLLED_BACK}
  fi
  # the connection lost (2), or psql's own failure (1): the COMMIT may have been reached
  echo "psql ended with status ${{psql_status:-unknown}}${{why:+ ($why)}}: whether the" \\
    "transaction committed is not known; read the version in "{{{{version_table}}}}" before going on" >&2
  exit 1
fi
"""


_BOOKKEEPING_DOWN = """\
target=$(cat .rollback/sql-target)
  if [ {{bookkeeping}} = single-row ]; then
    printf '%s\\n' "SELECT format('DELETE FROM %s', to_regclass(:'t')) \\\\gexec"
    [ "$target" = 0 ] || printf '%s\\n' "SELECT format('INSERT INTO %s (version, dirty) VALUES (%s, false)', to_regclass(:'t'), $target) \\\\gexec"
  else
    printf '%s\\n' "SELECT format('DELETE FROM %s WHERE version::numeric > %s', to_regclass(:'t'), $target) \\\\gexec"
  fi"""

_BOOKKEEPING_UP = """\
from=$(cat "$mine-from")
  if [ {{bookkeeping}} = single-row ]; then
    printf '%s\\n' "SELECT format('DELETE FROM %s', to_regclass(:'t')) \\\\gexec"
    printf '%s\\n' "SELECT format('INSERT INTO %s (version, dirty) VALUES (%s, false)', to_regclass(:'t'), $from) \\\\gexec"
  else
    while read -r v f; do
      printf '%s\\n' "SELECT format('INSERT INTO %s (version) VALUES (%L)', to_regclass(:'t'), '$v') \\\\gexec"
    done < .rollback/sql-up-plan
  fi"""

SQL_ACTION = (
    _SQL
    + """\
now=$(version) || exit 1
if [ "$now" = "$(cat .rollback/sql-target)" ]; then  # a retry: reversed already
  echo "schema version $now already"
else
"""
    + _apply(".rollback/sql-plan", _BOOKKEEPING_DOWN, "reverting")
    + "fi\n"
)

SQL_VERIFY = (
    _SQL
    + """\
want=$(cat .rollback/sql-target) || exit 3
now=$(version) || exit 1
test "$now" = "$want" || { echo "schema version is $now, expected $want" >&2; exit 1; }
echo "checked: the schema version is $now, the target ("{{version_table}}")"
mine=.rollback/sql-{{incident}}
echo "restored to schema version $now (from $(cat "$mine-from" 2>/dev/null)," \\
  "reversing $(awk '{ print $2 }' "$mine-plan" 2>/dev/null | paste -s -d ' '))"
integrity after rows
"""
)

SQL_UNDO = (
    _SQL
    + stops("sql")
    + """\
test -s "$mine-plan" || { echo "nothing to undo: this incident planned no reversal" >&2; exit 120; }
# only where one of this incident's reversals left the schema: else the up files would run
# again; from there, the versions it took down (a later reversal's that rolled back: none)
found=$(version_table) || exit 3
test "$found" = t || {  # its version unreadable: psql's syntax error read as the reason
  echo "no table "{{version_table}}" in database "{{database}}" (named in version_table): the schema is" \\
    "not where this incident's reversal left it (restored from before it, or dropped since): nothing to undo" >&2
  exit 120
}
now=$(version) || exit 3
echo "$stops" | grep -qx -- "$now" || {
  echo "schema version is $now, not $(echo "$stops" | tail -n 1) where this incident's reversal left it:" \\
    "nothing to undo (its transaction rolled back, it was undone already, or the schema changed since)" >&2
  exit 120
}
: > .rollback/sql-up-plan
for v in $(sort -n "$mine-plan" | awk -v now="$now" '$1 > now + 0 { print $1 }'); do
  up=$(file_of "$v" up) || { echo "no single up migration for version $v" >&2; exit 3; }
  echo "$v $up" >> .rollback/sql-up-plan
done
"""
    + _apply(".rollback/sql-up-plan", _BOOKKEEPING_UP, "re-applying")
    + """\
echo "schema version back to $(version) (data the down migrations dropped does not come back)"
echo "restored to schema version $(version) (from $now, re-applying" \\
  "$(awk '{ print $2 }' .rollback/sql-up-plan | paste -s -d ' ')): the undo of this incident's reversal"
integrity after rows
"""
)

NEEDS = ("psql (PostgreSQL client)", "a role that may change the schema")

SQL = Preset(
    kind=StrategyKind.MIGRATION_REVERSAL,
    name="sql",
    summary="apply `<version>_*.down.sql` files newest first, with the version"
    " bookkeeping, in one transaction (psql -v ON_ERROR_STOP=1 --single-transaction)",
    params=(
        param(
            "target",
            "schema version to go down to: `previous` (the one below), 0 (none), or a number",
            default="previous",
            pattern=r"previous|[0-9]{1,20}",
            takes="previous, or a version number (0: none)",
        ),
        param(
            "migrations_dir",
            "directory of the .up.sql and .down.sql files",
            type=ParamType.PATH,
            default="migrations",
        ),
        param(
            "version_table",
            "table that records the schema version",
            default="schema_migrations",
            pattern=IDENT,
            takes="a table name (schema_migrations, public.schema_migrations)",
        ),
        param(
            "bookkeeping",
            "`single-row` (golang-migrate: version, dirty) or `row-per-version` (Rails, dbmate)",
            default="single-row",
            pattern="single-row|row-per-version",
            takes="single-row or row-per-version",
        ),
        LOCK_TIMEOUT,
        CLIENT_BINDIR,
        *CONNECTION,
    ),
    precheck=SQL_PRECHECK,
    resolve=Resolve("target", "previous", SQL_RESOLVE, checks_named=True),
    action=SQL_ACTION,
    verify=SQL_VERIFY,
    undo=SQL_UNDO,
    data_touching=True,
    needs=("the migration files on the host", *NEEDS),
)
