"""migration-reversal: `alembic downgrade` (preset `alembic`), or down-migration SQL files
applied with psql in one transaction (preset `sql`, golang-migrate's layout:
`<version>_<name>.down.sql` beside `<version>_<name>.up.sql`).

A schema change rewrites rows but keeps them, so the integrity records are row counts:
every named table that survives must keep its count. What the precheck resolved (from,
target, the files to apply) is kept in `.rollback/` of the working directory (the sql
and alembic presets' undo reads a copy of its own incident's, and runs only where one of
its reversals left the schema, back to where the first began). `previous` never goes a
second step down: where a reversal left the schema, a retry in the same incident checks it
again (so does one naming the target it reached), another incident is refused and must name
the target.
"""

from __future__ import annotations

from console.model.kinds import StrategyKind
from console.model.param_types import ParamType
from console.model.presets.base import Preset, param
from console.model.presets.migration_stops import further, keep, stops
from console.model.presets.pgshell import CLIENT_BINDIR, CLIENT_PRELUDE, CONNECTION, IDENT

_ALEMBIC = (
    CLIENT_PRELUDE
    + """\
al() { (cd {{app_dir}} && {{alembic}} -c {{config}} "$@"); }
mkdir -p .rollback || exit 3
"""
)


ALEMBIC_PRECHECK = (
    _ALEMBIC
    + """\
test -d {{app_dir}} || { echo "no directory "{{app_dir}}" (app_dir) in $(pwd)" >&2; exit 3; }
# alembic says why it failed on stdout ("FAILED: No config file ..."): the last line names it
cur=$(al current) || {
  test -z "$cur" || echo "$cur" >&2
  echo "alembic current failed in "{{app_dir}}"${cur:+: $(echo "$cur" | tail -n 1)}" >&2
  exit 3
}
cur=$(echo "$cur" | awk 'NF { print $1 }')
done=$(cat .rollback/alembic-target 2>/dev/null)
by=$(cat .rollback/alembic-incident 2>/dev/null)
# A retry in this incident of the downgrade it made (its check failed) checks it again: a
# named revision too, which would else read "already at ...: nothing to downgrade".
if [ "$done" = "${cur:-base}" ] &&
  { [ {{revision}} = previous ] || { [ {{revision}} = "$done" ] && [ "$by" = {{incident}} ]; }; }; then
  if [ "$by" != {{incident}} ]; then
    echo "already downgraded to ${cur:-base} (from $(cat .rollback/alembic-from 2>/dev/null)," \\
      "incident ${by:-unknown}): previous would go further down; name the revision" >&2
    exit 120
  fi
  echo "alembic revision ${cur:-base}, where this incident's downgrade put it: checking it again"
  integrity before rows
  exit 0
fi
"""
    + further("alembic", "${cur:-base}", "alembic revision")
    + """\
test -n "$cur" || { echo "the database has no alembic revision: nothing to downgrade" >&2; exit 120; }
test "$(echo "$cur" | wc -l)" -eq 1 || { echo "several current revisions ($cur): downgrade one branch by hand" >&2; exit 3; }
target={{revision}}
if [ "$target" = previous ]; then
  target=$(al show "$cur" | sed -n 's/^Parent: //p')
  case "$target" in
    "<base>") target=base ;;
    *,*) echo "$cur merges $target: name the revision to go down to" >&2; exit 3 ;;
  esac
fi
test "$target" != "$cur" || { echo "already at $cur: nothing to downgrade" >&2; exit 120; }
# one call checks both that the target exists and that it lies below the current one
plan=$(al history -r "$target:$cur" 2>&1) || {
  echo "$plan" >&2
  echo "$target is not a revision below the current one, $cur" >&2
  exit 3
}
echo "${first:-$cur}" > .rollback/alembic-from && echo "$target" > .rollback/alembic-target &&
  echo {{incident}} > .rollback/alembic-incident || exit 3
"""
    + keep("alembic")
    + """\
echo "alembic revision $cur; going down to $target, undoing:"
echo "$plan" | grep -v -- "-> $target[ ,]" | sed "s/, *$//"
integrity before rows
"""
)

ALEMBIC_VERIFY = (
    _ALEMBIC
    + """\
want=$(cat .rollback/alembic-target) || exit 3
now=$(al current | awk 'NF { print $1 }')
test "${now:-base}" = "$want" || { echo "alembic revision is ${now:-base}, expected $want" >&2; exit 1; }
echo "alembic revision ${now:-base}"
echo "restored to alembic revision ${now:-base} (from $(cat .rollback/alembic-{{incident}}-from 2>/dev/null))"
integrity after rows
"""
)

ALEMBIC_UNDO = (
    _ALEMBIC
    + stops("alembic")
    + """\
from=$(cat "$mine-from") || { echo "nothing to undo: this incident recorded no downgrade" >&2; exit 120; }
# only where one of this incident's downgrades left the database: else the upgrade is another's
now=$(al current) || exit 3
now=$(echo "$now" | awk 'NF { print $1 }')
echo "$stops" | grep -qx -- "${now:-base}" || {
  echo "alembic revision is ${now:-base}, not $(echo "$stops" | tail -n 1) where this incident's downgrade left it:" \\
    "nothing to undo (it failed, it was undone already, or the database changed since)" >&2
  exit 120
}
al upgrade "$from" || exit 1
echo "alembic revision back to $from (data the downgrade dropped does not come back)"
echo "restored to alembic revision $from (from ${now:-base}): the undo of this incident's downgrade"
integrity after rows
"""
)

# --- sql: down files per version, psql -v ON_ERROR_STOP=1 --single-transaction ---------

_SQL = (
    CLIENT_PRELUDE
    + """\
dir=$(cd {{migrations_dir}} && pwd) || { echo "no migrations directory "{{migrations_dir}} >&2; exit 3; }
mkdir -p .rollback || exit 3
reach || exit 3
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

SQL_PRECHECK = (
    _SQL
    + """\
found=$(sql -v t={{version_table}} <<'SQL'
SELECT to_regclass(:'t') IS NOT NULL
SQL
) || exit 3
test "$found" = t || { echo "no table "{{version_table}}" in the database" >&2; exit 3; }
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
  echo "schema version $cur, where this incident's reversal put it: checking it again"
  integrity before rows
  exit 0
fi
"""
    + further("sql", "$cur", "schema version")
    + """\
test "$cur" != 0 || { echo "no migration is recorded: nothing to reverse" >&2; exit 120; }
if [ "$target" = previous ]; then
  target=$(versions | awk -v c="$cur" '$1 < c + 0 { p = $1 } END { print (p == "" ? 0 : p) }')
fi
test "$target" != "$cur" || { echo "already at version $cur: nothing to reverse" >&2; exit 120; }
test "$target" -lt "$cur" || { echo "version $cur is not above the target $target" >&2; exit 3; }
: > .rollback/sql-plan
for v in $(versions | awk -v c="$cur" -v t="$target" '$1 > t + 0 && $1 <= c + 0' | sort -rn); do
  down=$(file_of "$v" down) || { echo "no single down migration for version $v in $dir" >&2; exit 3; }
  file_of "$v" up > /dev/null || { echo "no single up migration for version $v (undo needs it)" >&2; exit 3; }
  if grep -Eiq '^[[:space:]]*(begin|commit|rollback|start[[:space:]]+transaction|end)[[:space:]]*;' "$dir/$down"; then
    echo "$down controls its own transaction: it cannot run inside one" >&2
    exit 3
  fi
  echo "$v $down" >> .rollback/sql-plan
done
test -s .rollback/sql-plan || { echo "no migration between $target and $cur" >&2; exit 3; }
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
sql --single-transaction -f .rollback/sql-script.psql || {{ echo "rolled back: the database is as before" >&2; exit 1; }}
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
echo "schema version $now"
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

PRESETS = (
    Preset(
        kind=StrategyKind.MIGRATION_REVERSAL,
        name="alembic",
        summary="`alembic downgrade` to the revision below the current one (or a named one)",
        params=(
            param(
                "revision",
                "revision to go down to: `previous` (the current one's parent), `base`, or an id",
                default="previous",
                pattern=r"previous|base|[A-Za-z0-9_]{1,64}",
            ),
            param("app_dir", "directory alembic runs in", type=ParamType.PATH, default="."),
            param(
                "alembic",
                "the alembic executable (e.g. the app's venv/bin/alembic)",
                type=ParamType.PATH,
                default="alembic",
            ),
            param(
                "config",
                "alembic's ini file, relative to app_dir",
                type=ParamType.PATH,
                default="alembic.ini",
            ),
            CLIENT_BINDIR,
            *CONNECTION,
        ),
        precheck=ALEMBIC_PRECHECK,
        action=_ALEMBIC + 'al downgrade "$(cat .rollback/alembic-target)"\n',
        verify=ALEMBIC_VERIFY,
        undo=ALEMBIC_UNDO,
        data_touching=True,
        needs=("the application's alembic and its migration scripts", *NEEDS),
    ),
    Preset(
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
            ),
            param(
                "bookkeeping",
                "`single-row` (golang-migrate: version, dirty) or `row-per-version` (Rails, dbmate)",
                default="single-row",
                pattern="single-row|row-per-version",
            ),
            CLIENT_BINDIR,
            *CONNECTION,
        ),
        precheck=SQL_PRECHECK,
        action=SQL_ACTION,
        verify=SQL_VERIFY,
        undo=SQL_UNDO,
        data_touching=True,
        needs=("the migration files on the host", *NEEDS),
    ),
)
