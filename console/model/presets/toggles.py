"""feature-toggle-off and feature-reenable, preset `file`: a file of `name=percent` lines."""

from __future__ import annotations

from console.model.kinds import RunsOn, StrategyKind
from console.model.params import ParamType
from console.model.presets.base import CHECK, RESTART, Preset, param, run_optional

FLAG_LIST = r"[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*"

FLAGS = param("flags", "comma-separated flag names", pattern=FLAG_LIST, required=True)
FLAGS_FILE = param(
    "flags_file", "the file of `name=percent` lines", type=ParamType.PATH, required=True
)

# Every named flag must be in the file: a typo must not "disable" nothing.
_FLAGS_EXIST = """\
mkdir -p .rollback
FLAGS={{flags}} awk -F= '
  BEGIN { n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }
  ($1 in want) { print "flag " $0; seen++ }
  END { if (seen < n) { print "unknown flag in " ENVIRON["FLAGS"] > "/dev/stderr"; exit 3 } }
' {{flags_file}} || exit 3
"""


def _set_flags(value: str) -> str:
    """Rewrite the named flags' lines to `value`; the file is replaced in one rename."""
    return f"""\
FLAGS={{{{flags}}}} VALUE={value} awk -F= '
  BEGIN {{ n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }}
  ($1 in want) {{ $0 = $1 "=" ENVIRON["VALUE"] }} {{ print }}
' {{{{flags_file}}}} > {{{{flags_file}}}}.new && mv {{{{flags_file}}}}.new {{{{flags_file}}}} ||
  {{ echo "cannot rewrite "{{{{flags_file}}}} >&2; exit 1; }}
"""


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


def _keep(name: str, refuse: bool = False) -> str:
    """Copy the file to .rollback/`name`-<incident> for undo unless this incident has one;
    without the copy nothing changes (a precheck `refuse`s with exit 3, an action fails)."""
    return (
        _kept(name)
        + f"""\
if [ -f "$kept" ]; then
  echo "undo keeps the copy of "{{{{flags_file}}}}" this incident made first ($kept)"
else
  cp {{{{flags_file}}}} "$kept" ||
    {{ echo "cannot keep a copy of "{{{{flags_file}}}}" in .rollback/" >&2; exit {3 if refuse else 1}; }}
fi
"""
    )


def _already(want: str, name: str, what: str, again: str) -> str:
    """The named flags all read `want` (shell) already: this incident's own change goes on
    as `again` says; otherwise there is nothing to do, and the precheck refuses saying so."""
    return f"""\
export WANT={want}
if {_ALL_AT_WANT}; then
  if [ -f .rollback/{name}-"{{{{incident}}}}" ]; then
    echo {{{{flags}}}}" read $WANT, as this incident set them: {again}"
  else
    echo {{{{flags}}}}" already read $WANT in "{{{{flags_file}}}}": nothing to {what}" >&2
    exit 120
  fi
fi
"""


def _put_back(name: str) -> str:
    """The named flags' lines as the copy has them; every other line stays as it is now
    (another incident's change to another flag is not undone)."""
    return (
        _kept(name)
        + """\
test -f "$kept" || { echo "nothing to undo: this incident kept no copy of "{{flags_file}} >&2; exit 3; }
FLAGS={{flags}} awk -F= '
  BEGIN { n = split(ENVIRON["FLAGS"], f, ","); for (i = 1; i <= n; i++) want[f[i]] = 1 }
  FNR == NR { if ($1 in want) was[$1] = $0; next }
  ($1 in was) { $0 = was[$1] } { print }
' "$kept" {{flags_file}} > {{flags_file}}.new && mv {{flags_file}}.new {{flags_file}} ||
  { echo "cannot put "{{flags_file}}" back" >&2; exit 1; }
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


RESTART_NOW = run_optional("restart", "restart")

# --- http: a flag service's API, called from the jump host ------------------------------
# The URL and the token come from the console's environment: the token is in no command
# and no process argument (curl reads the header from stdin), and its value is redacted
# from every record. What each flag was is kept in the incident's directory, for undo.
_HTTP = """\
url=$(printenv {{url_env}}) || { echo "the flag service's URL is not in the environment ("{{url_env}}")" >&2; exit 3; }
token=$(printenv {{token_env}}) || { echo "the flag service's token is not in the environment ("{{token_env}}")" >&2; exit 3; }
case "$url" in
  https://* | http://127.* | http://localhost[:/]* | http://localhost | "http://[::1]"*) ;;
  http://*) echo "refusing to send the token over plain http to $url" >&2; exit 3 ;;
  *) echo "$url is not an http(s) URL" >&2; exit 3 ;;
esac
url=${url%/}
saved=flag-state/{{host}}
req() {  # METHOD URL [BODY]
  printf 'Authorization: Bearer %s\\n' "$token" | if [ $# -gt 2 ]; then
    curl -fsS --max-time {{request_seconds}} -X "$1" -H @- -H 'Content-Type: application/json' --data-binary "$3" "$2"
  else
    curl -fsS --max-time {{request_seconds}} -X "$1" -H @- "$2"
  fi
}
flags=$(echo {{flags}} | tr , ' ')
"""

# Each flag is saved once per incident, before the first change: a retry keeps that save,
# so undo never puts back the incident's own "disabled". The service is one for every
# target host: a host of a later wave takes the save an earlier one made (its flags read
# disabled by then). Flags all disabled already, with nothing saved by this incident, are
# refused: there is nothing to disable.
HTTP_PRECHECK = (
    _HTTP
    + """\
mkdir -p "$saved" || exit 3
off=0 n=0
for f in $flags; do
  n=$((n + 1))
  for first in flag-state/*/"$f.json"; do
    [ -s "$saved/$f.json" ] || [ ! -s "$first" ] || cp "$first" "$saved/$f.json" || exit 3
  done
  if [ -s "$saved/$f.json" ]; then
    printf 'flag %s, as this incident saved it first (for undo): %.300s\\n' "$f" "$(cat "$saved/$f.json")"
    continue
  fi
  req GET "$url/$f" > "$saved/$f.json.new" || {
    rm -f "$saved"/*.json.new; echo "cannot read flag $f at $url/$f" >&2; exit 3; }
  printf 'flag %s: %.300s\\n' "$f" "$(cat "$saved/$f.json.new")"
  if grep -Eq {{disabled}} "$saved/$f.json.new"; then off=$((off + 1)); fi
done
if [ "$off" -eq "$n" ]; then
  rm -f "$saved"/*.json.new
  echo "flags $flags are all disabled already: nothing to disable" >&2
  exit 120
fi
for new in "$saved"/*.json.new; do
  [ ! -e "$new" ] || mv "$new" "${new%.new}" || exit 3
done
"""
)

HTTP_ACTION = (
    _HTTP
    + """\
for f in $flags; do
  req {{method}} "$url/$f" {{body}} > /dev/null || { echo "flag $f: the service refused" >&2; exit 1; }
  echo "disabled $f"
done
"""
)

HTTP_VERIFY = (
    _HTTP
    + """\
for f in $flags; do
  got=$(req GET "$url/$f") || exit 1
  echo "$got" | grep -Eq {{disabled}} || { printf 'flag %s is not disabled: %.300s\\n' "$f" "$got" >&2; exit 1; }
  echo "flag $f is disabled"
done
"""
)

HTTP_UNDO = (
    _HTTP
    + """\
for f in $flags; do
  test -s "$saved/$f.json" || { echo "nothing to undo: flag $f was not saved" >&2; exit 3; }
  req PUT "$url/$f" "$(cat "$saved/$f.json")" > /dev/null || { echo "flag $f: the service refused" >&2; exit 1; }
  echo "flag $f is back as it was"
done
"""
)

PRESETS = (
    Preset(
        kind=StrategyKind.FEATURE_TOGGLE_OFF,
        name="http",
        summary="disable flags with a JSON PATCH (or PUT) to a flag service, from the jump host",
        runs_on=RunsOn.JUMP_HOST,
        params=(
            FLAGS,
            param(
                "url_env",
                "environment variable of the console holding the service's base URL;"
                " each flag is at URL/NAME",
                type=ParamType.ENV,
                default="FLAG_SERVICE_URL",
            ),
            param(
                "token_env",
                "environment variable of the console holding the bearer token (redacted)",
                type=ParamType.ENV,
                default="FLAG_SERVICE_TOKEN",
                secret=True,
            ),
            param("method", "PATCH or PUT", default="PATCH", pattern="PATCH|PUT"),
            param(
                "body",
                "the JSON that disables a flag",
                default='{"enabled": false}',
                pattern=r"[{\[].*",
            ),
            param(
                "disabled",
                "extended regular expression a disabled flag's JSON matches",
                default='"enabled" *: *false',
            ),
            param(
                "request_seconds",
                "time limit of each request",
                type=ParamType.INTEGER,
                default="30",
                pattern="[0-9]{1,4}",
            ),
        ),
        precheck=HTTP_PRECHECK,
        action=HTTP_ACTION,
        verify=HTTP_VERIFY,
        undo=HTTP_UNDO,
        needs=("on the jump host: curl 7.55 or newer, and the URL and token in the environment",),
    ),
    Preset(
        kind=StrategyKind.FEATURE_TOGGLE_OFF,
        name="file",
        summary="set the named flags to 0 in a `name=percent` file, then restart or reload",
        params=(FLAGS, FLAGS_FILE, RESTART, CHECK),
        precheck=_FLAGS_EXIST + _already("0", "flags-before-off", "disable", "checking them again"),
        action=_keep("flags-before-off")
        + _set_flags("0")
        + 'echo "disabled: "{{flags}}\n'
        + RESTART_NOW,
        verify=_flags_are("0") + run_optional("check", "health check"),
        undo=_put_back("flags-before-off") + RESTART_NOW,
        needs=("the flags file, writable by the login user", "awk"),
    ),
    Preset(
        kind=StrategyKind.FEATURE_REENABLE,
        name="file",
        summary="raise the named flags step by step (5, 25, 50, 100 %), checking health between",
        params=(
            FLAGS,
            FLAGS_FILE,
            param(
                "steps",
                "percentages, each checked before the next",
                pattern=r"[0-9]{1,3}(,[0-9]{1,3})*",
                default="5,25,50,100",
            ),
            RESTART,
            CHECK,
        ),
        precheck=_FLAGS_EXIST
        + "steps={{steps}}\n"
        + _already(
            "${steps##*,}",
            "flags-before-reenable",
            "re-enable",
            "the rollout starts again from its first step",
        )
        + _keep("flags-before-reenable", refuse=True),
        action=_set_flags("{{percent}}")
        + 'echo "now at "{{percent}}"%: "{{flags}}\n'
        + RESTART_NOW,
        verify=_flags_are("{{percent}}") + run_optional("check", "health check"),
        undo=_put_back("flags-before-reenable") + RESTART_NOW,
        needs=("the flags file, writable by the login user", "awk"),
    ),
)
