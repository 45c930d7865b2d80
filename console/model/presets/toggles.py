"""feature-toggle-off and feature-reenable, preset `file`: a file of `name=percent` lines."""

from __future__ import annotations

from console.model.kinds import StrategyKind
from console.model.param_types import ParamType
from console.model.presets.base import (
    CHECK,
    CHECK_WAIT,
    RESTART,
    Preset,
    RestartOwed,
    param,
    run_check,
    write_whole,
)

FLAG_LIST = r"[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*"

FLAGS = param(
    "flags",
    "comma-separated flag names",
    pattern=FLAG_LIST,
    required=True,
    takes="flag names joined by commas, no spaces (new_checkout,dark_mode)",
)
STEPS = param(
    "steps",
    "percentages, each checked before the next",
    pattern=r"[0-9]{1,3}(,[0-9]{1,3})*",
    default="5,25,50,100",
    takes="percentages joined by commas, no spaces (5,25,50,100)",
)
FLAGS_FILE = param(
    "flags_file", "the file of `name=percent` lines", type=ParamType.PATH, required=True
)

# Every named flag must be in the file: a typo must not "disable" nothing. Each is looked
# for by name (a flag on two lines does not stand in for one misspelt), and a refusal names
# the flags missing and those the file has.
_FLAGS_EXIST = """\
mkdir -p .rollback
flags_at={{flags_file}}
case $flags_at in /*) flags_in= ;; *) flags_in=" in $PWD" ;; esac
test -f "$flags_at" && test -r "$flags_at" || {
  echo "no readable flags file $flags_at (flags_file)$flags_in: nothing changed" >&2; exit 3; }
FLAGS={{flags}} awk -F= -v file="$flags_at" '
  BEGIN { n = split(ENVIRON["FLAGS"], f, ",") }
  { for (i = 1; i <= n; i++) if ($1 == f[i]) { print "flag " $0; got[$1] = 1; break } }
  NF && $1 !~ /^#/ && !($1 in had) { had[$1] = 1; if (k++ < 8) names = names (k > 1 ? ", " : "") $1 }
  END {
    for (i = 1; i <= n; i++) if (!(f[i] in got) && !(f[i] in said)) { said[f[i]] = 1; miss = miss (miss == "" ? "" : ", ") f[i] }
    if (miss == "") exit 0
    has = k ? names (k > 8 ? " +" (k - 8) " more" : "") : "none"
    print "no flag " miss " in " file " (its flags: " has "): nothing changed; check flags" > "/dev/stderr"
    exit 3
  }
' "$flags_at" || exit 3
"""


def _replace(command: str, failed: str) -> str:
    """Shell replacing the flags file with what `command` prints, in one rename (never
    found half-written), the new file made as a copy of the old first so that it keeps
    its mode (and its group, where the login user is in it), not the login user's umask:
    a flags file the service reads through its group (0640), or written under umask 077
    (0600), would otherwise be unreadable to the service once it restarts. A flags file
    that is a symbolic link is rewritten where it points (seen: the link replaced by a
    file of its own, the file it pointed to, which the service read, left as it was)."""
    return f"""\
{{ real=$(readlink -f {{{{flags_file}}}}) && [ -n "$real" ] && cp -p "$real" "$real.new" &&
  {command} > "$real.new" && mv -f "$real.new" "$real"; }} ||
  {{ [ -z "$real" ] || rm -f "$real.new"; echo {failed} >&2; exit 1; }}
"""


def _set_flags(value: str) -> str:
    """Rewrite the named flags' lines to `value`; the file is replaced in one rename."""
    return _replace(
        f"""FLAGS={{{{flags}}}} VALUE={value} awk -F= '
  BEGIN {{ n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }}
  ($1 in want) {{ $0 = $1 "=" ENVIRON["VALUE"] }} {{ print }}
' {{{{flags_file}}}}""",
        '"cannot rewrite "{{flags_file}}',
    )


# A shell condition: every named flag reads $want.
_ALL_AT_WANT = """FLAGS={{flags}} awk -F= '
  BEGIN { n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }
  ($1 in want) && $2 == ENVIRON["WANT"] { seen++ }
  END { exit seen < n }
' {{flags_file}}"""


# What undo puts back is copied once per incident, before the first change: a retry (or a
# later stage) copies nothing again, so the copy never holds the incident's own change.
def _kept(name: str) -> str:
    return f'kept=.rollback/{name}-"{{{{incident}}}}"\n'


def _copy(source: str, status: int) -> str:
    """Shell copying `source` to "$kept", there only once whole: a copy cut short (a full
    disk, a lost session) is never taken for the copy a retry keeps and undo puts back.
    Failing, it says so and exits `status`."""
    return f"""\
  cp {source} "$kept.part" && mv -f "$kept.part" "$kept" ||
    {{ rm -f "$kept.part"; echo "cannot keep a copy of "{{{{flags_file}}}}" in .rollback/" >&2; exit {status}; }}
"""


def _keep(name: str, refuse: bool = False) -> str:
    """Copy the file to .rollback/`name`-<incident> for undo unless this incident has one;
    without the copy nothing changes (a precheck `refuse`s with exit 3, an action fails)."""
    return (
        _kept(name)
        + f"""\
if [ -f "$kept" ]; then
  echo "undo keeps the copy of "{{{{flags_file}}}}" this incident made first ($kept)"
else
{_copy("{{flags_file}}", 3 if refuse else 1)}fi
"""
    )


def _already(want: str, name: str, what: str, again: str) -> str:
    """The named flags all read `want` (shell) already: this incident's own change goes on
    as `again` says; another's whose restart never finished is taken over (its copy, what
    undo puts back, becomes this incident's; the action runs the restart); otherwise there
    is nothing to do, and the precheck refuses saying so."""
    return (
        f"""\
export WANT={want}
if {_ALL_AT_WANT}; then
  if [ -f .rollback/{name}-"{{{{incident}}}}" ]; then
    echo {{{{flags}}}}" read $WANT, as this incident set them: {again}"
  else
"""
        + _owed(name).left('"{{flags}}" read $WANT, as incident $whose set them')
        + f"""\
    if [ -z "$owed" ]; then
      echo {{{{flags}}}}" already read $WANT in "{{{{flags_file}}}}": nothing to {what}" >&2
      exit 120
    fi
    printf '%s %s\\n' {{{{flags}}}}" read $WANT, as incident $whose set them; its restart never finished" \\
      "($(sed -n 1p "$owed")): this run runs it"
"""
        + _kept(name)
        + _copy('"${owed%.restart-owed}"', 3)
        + _owed(name).take()
        + """\
  fi
fi
"""
    )


# A re-enable raises: a flag that reads more than the first step already (a rollout under
# way, or held by an earlier incident at 50 %) would be lowered by it first (walked: 50 to
# 25 %, the feature taken from half the users it had), unless this incident's own rollout
# starts again (a retry, which keeps its copy).
_NOT_LOWERED = """\
if [ ! -f .rollback/flags-before-reenable-"{{incident}}" ]; then
  FLAGS={{flags}} STEPS="$steps" FILE={{flags_file}} awk -F= '
    BEGIN { n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1
            first = ENVIRON["STEPS"]; sub(/,.*/, "", first) }
    ($1 in want) && $2 + 0 > first + 0 { above = above (above == "" ? "" : ", ") $1 " reads " $2 }
    END { if (above == "") exit 0
          print above " % in " ENVIRON["FILE"] ", above the first step, " first " % of steps " \\
            ENVIRON["STEPS"] ": the re-enable would lower it first; nothing changed: give steps" \\
            " that start above it (steps)" > "/dev/stderr"; exit 3 }
  ' {{flags_file}} || exit 3
fi
"""


def _record(name: str, value: str) -> str:
    """Before the rewrite: what this incident sets the flags to, beside its copy, for
    undo, added to what it had set them to (a gradual re-enable's earlier stage): the
    record is whole before anything changes (written aside, renamed), and holds what the
    flags read whether the rewrite is then made or cut short. Its undo puts back only
    flags reading what the record holds (or what the copy has)."""
    write = write_whole('printf "%s\\n" "${had:+$had,}"' + value, '"$kept.set"')
    return (
        _kept(name)
        + f"""\
had=$(cat "$kept.set" 2>/dev/null)
{write} ||
  {{ rm -f "$kept.set".part
    echo "cannot record in .rollback/ what "{{{{flags}}}}" are set to, for undo: nothing changed" >&2
    exit 1; }}
"""
    )


def _recorded(value: str) -> str:
    """After the rewrite: the record holds `value` alone again (see _record). Where that
    cannot be written, the record from before the rewrite still holds it."""
    return write_whole(f'printf "%s\\n" {value}', '"$kept.set"') + ' || rm -f "$kept.set".part\n'


def _put_back(name: str, fallback: str) -> str:
    """The named flags' lines as the copy has them; every other line stays as it is now
    (another incident's change to another flag is not undone). Refused, nothing changed,
    when a named flag reads neither what this incident set nor what it found (a later
    change would be lost); `fallback` is what was set where nothing was recorded. Its
    restart is owed from before the change, as the action's is."""
    return (
        _kept(name)
        + f"""\
test -f "$kept" || {{ echo "nothing to undo: this incident kept no copy of "{{{{flags_file}}}} >&2; exit 120; }}
set=$(cat "$kept.set" 2>/dev/null) || set={fallback}
FLAGS={{{{flags}}}} SET="$set" HOST={{{{host}}}} FILE={{{{flags_file}}}} awk -F= '
  BEGIN {{ n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1
          split(ENVIRON["SET"], s, ","); for (i in s) set[s[i]] = 1 }}
  FNR == NR {{ if ($1 in want) was[$1] = $2; next }}
  ($1 in want) {{ now[$1] = $2 }}
  END {{
    for (i = 1; i <= n; i++) {{
      x = f[i]; on = "flag " x " on " ENVIRON["HOST"]
      if (!(x in now)) why = " is gone from " ENVIRON["FILE"]
      else if (now[x] in set || now[x] == was[x]) continue
      else why = " reads " now[x] ", not " ENVIRON["SET"] " as this incident set it"
      print on why ": nothing to undo (the change since would be lost)" > "/dev/stderr"; bad++
    }}
    exit bad ? 120 : 0
  }}
' "$kept" {{{{flags_file}}}} || exit $?
"""
        + _owed(name).owe()
        + """\
"""
        + _replace(
            """FLAGS={{flags}} awk -F= '
  BEGIN { n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }
  FNR == NR { if ($1 in want) was[$1] = $0; next }
  ($1 in was) { $0 = was[$1] } { print }
' "$kept" {{flags_file}}""",
            '"cannot put "{{flags_file}}" back"',
        )
        + """\
FLAGS={{flags}} awk -F= '
  BEGIN { n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }
  ($1 in want) { print "flag " $0 " again" }
' {{flags_file}}
"""
    )


def _flags_are(value: str) -> str:
    return f"""\
FLAGS={{{{flags}}}} VALUE={value} awk -F= '
  BEGIN {{ n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }}
  ($1 in want) {{ print "flag " $0; seen++; if ($2 != ENVIRON["VALUE"]) bad = 1 }}
  END {{ if (bad || seen < n) {{ print "flags are not all at " ENVIRON["VALUE"] > "/dev/stderr"; exit 1 }} }}
' {{{{flags_file}}}}
"""


# The flags found at their value, as the restart owed's line says it (in double quotes).
_AT = 'the flags "{{flags}}" are at %s in "{{flags_file}}"'


def _owed(name: str) -> RestartOwed:
    """The restart after this incident's change, owed until it has finished."""
    return RestartOwed(f".rollback/{name}-", ".restart-owed", "{{flags_file}}")


PRESETS = (
    Preset(
        kind=StrategyKind.FEATURE_TOGGLE_OFF,
        name="file",
        summary="set the named flags to 0 in a `name=percent` file, then restart or reload",
        params=(FLAGS, FLAGS_FILE, RESTART, CHECK, CHECK_WAIT),
        precheck=_FLAGS_EXIST + _already("0", "flags-before-off", "disable", "checking them again"),
        action=_keep("flags-before-off")
        + _record("flags-before-off", "0")
        + _owed("flags-before-off").owe()
        + _set_flags("0")
        + _recorded("0")
        + 'echo "disabled: "{{flags}}\n'
        + _owed("flags-before-off").restart(),
        verify=_flags_are("0") + _owed("flags-before-off").finished(_AT % "0") + run_check(),
        undo=_put_back("flags-before-off", "0") + _owed("flags-before-off").restart(),
        needs=("the flags file, writable by the login user", "awk"),
    ),
    Preset(
        kind=StrategyKind.FEATURE_REENABLE,
        name="file",
        summary="raise the named flags step by step ({steps} %), checking health between",
        params=(
            FLAGS,
            FLAGS_FILE,
            STEPS,
            RESTART,
            CHECK,
            CHECK_WAIT,
        ),
        precheck=_FLAGS_EXIST
        + "steps={{steps}}\n"
        + _already(
            "${steps##*,}",
            "flags-before-reenable",
            "re-enable",
            "the rollout starts again from its first step",
        )
        + _NOT_LOWERED
        + _keep("flags-before-reenable", refuse=True),
        action=_record("flags-before-reenable", "{{percent}}")
        + _owed("flags-before-reenable").owe()
        + _set_flags("{{percent}}")
        + _recorded("{{percent}}")
        + 'echo "now at "{{percent}}"%: "{{flags}}\n'
        + _owed("flags-before-reenable").restart(),
        verify=_flags_are("{{percent}}")
        + _owed("flags-before-reenable").finished(_AT % '"{{percent}}"')
        + run_check(),
        undo=_put_back("flags-before-reenable", "{{steps}}")
        + _owed("flags-before-reenable").restart(),
        needs=("the flags file, writable by the login user", "awk"),
    ),
)
