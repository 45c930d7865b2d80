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
from console.model.presets.base import Preset, Resolve, param
from console.model.presets.migration_stops import further, keep, stops
from console.model.presets.migrations_sql import NEEDS, SQL
from console.model.presets.pgshell import (
    CLIENT_BINDIR,
    CLIENT_PRELUDE,
    CONNECTION,
    LOCK_TIMEOUT,
    LOCKS_BOUNDED,
    TABLES_THERE,
)
from console.model.status import ROLLED_BACK, ROLLED_BACK_SAID

# what reads alembic and the database, writing nothing (the resolve runs it alone)
_ALEMBIC_READ = (
    CLIENT_PRELUDE
    + LOCKS_BOUNDED
    + """\
al() { (cd {{app_dir}} && {{alembic}} -c {{config}} "$@"); }
# alembic current's revisions, one a line; else its failure in one line on stderr (exit 3):
# its own words ("FAILED: ..." on stdout, else its exception's last line), with what to
# correct named: config or alembic (a hint to name the revision would change nothing), and
# who holds the lock it gave up waiting for (lock_timeout), as the reads of the tables say
al_current() {
  (cd {{app_dir}} && test -f {{config}}) || {
    echo "no file "{{config}}" in "{{app_dir}}" (named in config): alembic's ini file; correct config, then run it again" >&2
    return 3
  }
  err=$(mktemp) || return 3
  out=$(al current 2> "$err")
  status=$?
  if [ "$status" = 0 ]; then rm -f "$err"; echo "$out" | awk 'NF { print $1 }'; return 0; fi
  cat "$err" >&2
  test -z "$out" || echo "$out" >&2
  why=$(echo "$out" | awk 'NF' | tail -n 1)
  test -n "$why" || why=$(grep -E '^[A-Za-z_][A-Za-z0-9_.]*: ' "$err" | tail -n 1)
  if grep -q 'lock timeout' "$err"; then why="$why$(lock_holders 2>/dev/null)"
  elif [ "$status" = 127 ]; then why="${why:-not found} (named in alembic)"
  else case "$why" in *"No config file"* | *"script_location"*) why="$why (named in config)" ;; esac
  fi
  rm -f "$err"
  echo "alembic current failed in "{{app_dir}}"${why:+: $why}" >&2
  return 3
}
"""
)
_ALEMBIC = _ALEMBIC_READ + "mkdir -p .rollback || exit 3\n"


def _where(again: str) -> str:
    """The precheck's reading, writing nothing: the current revision ($cur), the target
    resolved ($target), alembic's history between them ($plan); a refusal exits as the
    precheck does. Where this incident's downgrade left the database already, `again` runs
    (and exits)."""
    return (
        """\
test -d {{app_dir}} || { echo "no directory "{{app_dir}}" (app_dir) in $(pwd)" >&2; exit 3; }
cur=$(al_current) || exit 3
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
"""
        + again
        + """\
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
  # the revisions it could name, said either way
  below=$(al history -r "base:$cur" 2>/dev/null | awk '{ print $1 }' | sed 's/^<base>$/base/' | head -n 5 | paste -s -d , - | sed 's/,/, /g')
  if al show "$target" > /dev/null 2>&1; then
    echo "$target is not a revision below the current one, $cur: nothing downgraded; name previous, base or a revision below $cur (${below:-none})" >&2
  else  # misspelt: said as such
    case "$target" in prev* | *ious | pr*us) hint=" (did you mean previous?)" ;; *) hint= ;; esac
    echo "no revision $target in alembic's history$hint: nothing downgraded; name previous, base or a revision below $cur (${below:-none})" >&2
  fi
  exit 3
}
"""
        + TABLES_THERE
    )


ALEMBIC_PRECHECK = (
    _ALEMBIC
    + _where(
        """\
  echo "alembic revision ${cur:-base}, where this incident's downgrade put it: checking it again"
  integrity before rows
  exit 0
"""
    )
    + """\
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

# The revision `previous` stands for, asked before the commander's yes: nothing written.
ALEMBIC_RESOLVE = (
    _ALEMBIC_READ
    + _where(
        """\
  echo "resolved revision=${cur:-base}: alembic revision ${cur:-base}, where this incident's downgrade put it: checked again, nothing downgraded"
  exit 0
"""
    )
    + """\
echo "resolved revision=$target: alembic revision $cur down to $target, undoing" \\
  "$(echo "$plan" | grep -v -- "-> $target[ ,]" | sed "s/, *$//" | paste -s -d ';')"
"""
)

ALEMBIC_VERIFY = (
    _ALEMBIC
    + """\
want=$(cat .rollback/alembic-target) || exit 3
now=$(al_current) || exit 1
test "${now:-base}" = "$want" || { echo "alembic revision is ${now:-base}, expected $want" >&2; exit 1; }
echo "checked: alembic current is ${now:-base}, the target"
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
now=$(al_current) || exit 3
echo "$stops" | grep -qx -- "${now:-base}" || {
  echo "alembic revision is ${now:-base}, not $(echo "$stops" | tail -n 1) where this incident's downgrade left it:" \\
    "nothing to undo (it failed, it was undone already, or the database changed since)" >&2
  exit 120
}
# its stderr shown as it comes and kept: a failure's line says what failed (an exception's
# line, and who holds the lock it gave up on), not SQLAlchemy's closing "(Background on ...)"
err=$(mktemp) || exit 3
{ { al upgrade "$from"; echo $? > "$err.status"; } 2>&1 1>&3 | tee "$err" >&2; } 3>&1
if [ "$(cat "$err.status")" != 0 ]; then
  why=$(grep -E '^[A-Za-z_][A-Za-z0-9_.]*: ' "$err" | tail -n 1)
  if grep -q 'lock timeout' "$err"; then why="$why$(lock_holders 2>/dev/null)"; fi
  rm -f "$err" "$err.status"
  echo "alembic upgrade to $from failed${why:+: $why}" >&2
  exit 1
fi
rm -f "$err" "$err.status"
echo "alembic revision back to $from (data the downgrade dropped does not come back)"
echo "restored to alembic revision $from (from ${now:-base}): the undo of this incident's downgrade"
integrity after rows
"""
)

# The database's schema as its catalogs hold it, in one line: every relation (its file:
# a TRUNCATE or a rewrite is a new one), column, default, constraint, function, type, enum
# label, trigger, rule, schema and extension outside PostgreSQL's own schemas and other
# sessions' temporary tables, each with its oid (dropped and made again is another). A
# committed change of the schema changes it; a transaction rolled back leaves it as it was.
_SCHEMA_SUM = """\
schema_sum() {
  sql <<'SQL'
SELECT md5(coalesce(string_agg(d, E'\\n' ORDER BY d), '')) FROM (
  SELECT format('class %s %s %s %s %s %s', c.oid, c.relname, c.relnamespace, c.relkind,
      c.relfilenode, c.relacl) FROM pg_class c
    WHERE c.relpersistence <> 't' AND c.relnamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT format('att %s %s %s %s %s %s %s', a.attrelid, a.attnum, a.attname,
      a.atttypid, a.atttypmod, a.attnotnull, a.attisdropped) FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    WHERE a.attnum > 0 AND c.relpersistence <> 't' AND c.relnamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT format('def %s %s', d.oid, pg_get_expr(d.adbin, d.adrelid)) FROM pg_attrdef d
    JOIN pg_class c ON c.oid = d.adrelid
    WHERE c.relpersistence <> 't' AND c.relnamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT format('con %s %s %s', o.oid, o.conname, pg_get_constraintdef(o.oid))
    FROM pg_constraint o WHERE o.connamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT format('proc %s %s %s', p.oid, p.proname, md5(p.prosrc)) FROM pg_proc p
    WHERE p.pronamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT format('type %s %s', t.oid, t.typname) FROM pg_type t
    WHERE t.typnamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT format('enum %s %s', e.oid, e.enumlabel) FROM pg_enum e
  UNION ALL SELECT format('trig %s %s %s', g.oid, g.tgname, g.tgenabled) FROM pg_trigger g
    JOIN pg_class c ON c.oid = g.tgrelid
    WHERE c.relpersistence <> 't' AND c.relnamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT format('rule %s %s', r.oid, md5(r.ev_action::text)) FROM pg_rewrite r
    JOIN pg_class c ON c.oid = r.ev_class WHERE c.relnamespace IN (SELECT oid FROM user_ns)
  UNION ALL SELECT format('ns %s %s', oid, nspname) FROM user_ns
  UNION ALL SELECT format('ext %s %s %s', x.oid, x.extname, x.extversion) FROM pg_extension x
) s(d)
SQL
}
"""
# the query's user_ns: the schemas of the database's own, not PostgreSQL's nor temporary
_SCHEMA_SUM = _SCHEMA_SUM.replace(
    "SELECT md5(",
    "WITH user_ns AS (SELECT oid, nspname FROM pg_namespace WHERE nspname NOT IN"
    " ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_|toast_temp_)')\n"
    "SELECT md5(",
    1,
)

# The downgrade, its stderr shown as it comes and kept: a failure's last line (the one the
# summaries show) says what failed and where the database is, not SQLAlchemy's closing
# "(Background on this error at: ...)" under a traceback. Where alembic's transaction rolled
# back (the revision the downgrade began at, in alembic and in the database measured, the
# schema as it was then, and the named tables' rows: a part outside alembic's transaction may
# have committed data alone) the host changed nothing: exit 122, no undo named (its undo,
# which runs only from a revision this incident reached, would refuse there anyway).
_DOWNGRADE = (
    """\
target=$(cat .rollback/alembic-target)
err=.rollback/alembic-downgrade-{{incident}}
version() { sql -c "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version" 2>/dev/null; }
# What a failed downgrade is judged against, read first: the revision, the schema's sum,
# and the named tables' rows (counts and checksum: with the schema as it was, they show a
# part that committed data outside alembic's transaction, an autocommit_block's UPDATE). A
# lock that holds these reads up (lock_timeout) would hold the downgrade up too, and an
# unread before judges nothing: nothing is downgraded then.
was=$(version) && sum=$(schema_sum 2> "$err.read") || was= sum=
if ! rows=$(integrity downgrade 2>> "$err.read") || grep -q 'lock timeout' "$err.read"; then
  why=$(tail -n 1 "$err.read")
  case "$why" in
    "cannot read the tables "*) ;;
    *) why="the schema could not be read: $(echo "$why" | sed 's/^.*ERROR: *//')$(lock_holders 2>/dev/null)" ;;
  esac
  rm -f "$err.read"
  echo "alembic downgrade to $target not started, nothing changed: $why" >&2
"""
    + f"  exit {ROLLED_BACK}\n"
    + """\
fi
rm -f "$err.read"
# a lock the application holds is waited for no longer than lock_timeout (PGOPTIONS, above)
{ { al downgrade "$target"; echo $? > "$err.status"; } 2>&1 1>&3 | tee "$err" >&2; } 3>&1
status=$(cat "$err.status" 2>/dev/null)
if [ "$status" != 0 ]; then
  why=$(grep -E '^[A-Za-z_][A-Za-z0-9_.]*: ' "$err" | tail -n 1)
  if now=$(al current 2>/dev/null); then
    now=$(echo "$now" | awk 'NF { print $1 }' | head -n 1)
    now="the database is at alembic revision ${now:-base}"
  else
    now="alembic current cannot say where the database is"
  fi
  held=
  if grep -q 'lock timeout' "$err"; then held=$(lock_holders); fi
  if [ -n "$was" ] && [ "$now" = "the database is at alembic revision $was" ] &&
    [ "$(version)" = "$was" ] && [ "$(schema_sum 2>/dev/null)" = "$sum" ]; then
    after=$(integrity downgrade 2>/dev/null) || after=
    named=$(echo {{tables}} | sed 's/,/, /g')
    if [ "$after" = "$rows" ]; then
      if [ -n "$named" ]; then checked="its schema and the rows of $named unchanged in database "{{database}}
      else checked="its schema unchanged in database "{{database}}"; its rows not compared: no tables named"; fi
"""
    # ROLLED_BACK_SAID first, as the sql preset says it: the one 122 the console believes
    + f'      echo "{ROLLED_BACK_SAID} (alembic revision $was, $checked): '
    + 'alembic downgrade to $target failed${why:+: $why}$held" >&2\n'
    + f"      exit {ROLLED_BACK}\n"
    + """\
    fi
    # the schema as it was, the rows not: the tables whose count changed, else the checksum
    moved=$(printf '%s\n%s\n' "$rows" "$after" | awk '
      NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^rows\\./) { split($i, kv, "="); was[kv[1]] = kv[2] } }
      NR == 2 { for (i = 1; i <= NF; i++) if ($i ~ /^rows\\./) { split($i, kv, "=")
        if (was[kv[1]] != kv[2]) { t = substr(kv[1], 6); out = out sep t " " was[kv[1]] " → " kv[2]; sep = ", " } } }
      END { print out }')
    if [ -n "$after" ]; then
      now="$now, its schema unchanged, but the rows of $named changed in database "{{database}}" (${moved:-their checksum}): a part of the downgrade committed outside its transaction, or another session wrote"
    else
      now="$now, its schema unchanged; the rows of $named could not be read after it: whether it changed data is not known"
    fi
  # the revision as it was, the schema not: a part committed outside alembic's transaction
  elif [ -n "$was" ] && [ "$now" = "the database is at alembic revision $was" ] &&
    [ "$(schema_sum 2>/dev/null)" != "$sum" ]; then
    now="$now, but its schema changed (a part of the downgrade committed outside its transaction)"
  fi
  echo "alembic downgrade to $target failed${why:+: $why}; $now$held" >&2
  exit "${status:-1}"
fi
rm -f "$err" "$err.status"
"""
)

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
                takes="previous, base, or a revision id of letters, digits and _ (0001, ae1027a6acf)",
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
            LOCK_TIMEOUT,
            CLIENT_BINDIR,
            *CONNECTION,
        ),
        precheck=ALEMBIC_PRECHECK,
        resolve=Resolve("revision", "previous", ALEMBIC_RESOLVE, checks_named=True),
        action=_ALEMBIC + _SCHEMA_SUM + _DOWNGRADE,
        verify=ALEMBIC_VERIFY,
        undo=ALEMBIC_UNDO,
        data_touching=True,
        needs=("the application's alembic and its migration scripts", *NEEDS),
    ),
    SQL,
)
