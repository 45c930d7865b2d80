"""feature-toggle-off and feature-reenable, preset `http`: a flag service's API, called
from the jump host (each flag is the JSON document at URL/NAME).

The URL and the token come from the console's environment: the token is in no command
and no process argument (curl reads the header from stdin), and its value is redacted
from every record. What each flag was is kept in the incident's directory, for undo.
"""

from __future__ import annotations

from console.model.kinds import RunsOn, StrategyKind
from console.model.param_types import ParamType
from console.model.presets.base import Preset, param
from console.model.presets.toggles import FLAGS, STEPS

_HTTP = """\
url=$(printenv {{url_env}}) || { echo "the flag service's URL is not in the environment ("{{url_env}}")" >&2; exit 3; }
bearer=$(printenv {{token_env}}) || { echo "the flag service's token is not in the environment ("{{token_env}}")" >&2; exit 3; }
case "$url" in
  https://* | http://127.* | http://localhost[:/]* | http://localhost | "http://[::1]"*) ;;
  http://*) echo "refusing to send the token over plain http to $url" >&2; exit 3 ;;
  *) echo "$url is not an http(s) URL" >&2; exit 3 ;;
esac
url=${url%/}
saved=flag-state/{{host}}
req() {  # METHOD URL [BODY]
  printf 'Authorization: Bearer %s\\n' "$bearer" | if [ $# -gt 2 ]; then
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


def _undo(ours: str) -> str:
    """Each flag back as saved, once every flag reads what this incident set (the shell
    function `ours FLAG JSON`, which names that in $set_as) or as saved already; else
    refused, nothing sent: a later change (another incident's, a hand's) would be lost."""
    return (
        _HTTP
        + ours
        + """\
bad=0
for f in $flags; do
  test -s "$saved/$f.json" || { echo "nothing to undo: flag $f was not saved" >&2; exit 120; }
  got=$(req GET "$url/$f") || { echo "cannot read flag $f at $url/$f" >&2; exit 1; }
  [ "$got" = "$(cat "$saved/$f.json")" ] || ours "$f" "$got" || {
    printf 'flag %s at %s reads %.300s, not %s as this incident set it: nothing to undo (the change since would be lost)\\n' \\
      "$f" "$url/$f" "$got" "$set_as" >&2
    bad=1
  }
done
[ "$bad" -eq 0 ] || exit 120
for f in $flags; do
  req PUT "$url/$f" "$(cat "$saved/$f.json")" > /dev/null || { echo "flag $f: the service refused" >&2; exit 1; }
  echo "flag $f is back as it was"
done
"""
    )


HTTP_UNDO = _undo(
    """\
ours() { set_as=disabled; printf '%s\\n' "$2" | grep -Eq {{disabled}}; }
"""
)


# --- the gradual re-enable ---------------------------------------------------------------
# What a re-enable replaced is saved apart from what a toggle-off saved (an incident may
# do both: undo of the re-enable turns the flags off again, undo of the toggle-off puts
# them back as they were before it).
_REENABLE = _HTTP.replace("saved=flag-state/", "saved=flags-before-reenable/")

# `at JSON PERCENT`: the flag's JSON is enabled (it does not match `disabled`) and at
# PERCENT % (it matches `rollout` with PERCENT in place of the word PERCENT).
_AT = """\
at() {
  ! printf '%s\\n' "$1" | grep -Eq {{disabled}} &&
    printf '%s\\n' "$1" | grep -Eq "$(printf '%s' {{rollout}} | sed "s/PERCENT/$2/g")"
}
"""

# Each flag is saved once per incident, before the first change (a host of a later wave
# takes the save an earlier one made): a retry, which starts again from the first step,
# keeps it, so undo turns the flags off again. Flags that all read enabled at the last
# step already, with none saved by this incident, are refused: nothing to re-enable.
REENABLE_PRECHECK = (
    _REENABLE
    + _AT
    + """\
steps={{steps}}
last=${steps##*,}
mkdir -p "$saved" || exit 3
rm -f "$saved"/*.json.new
n=0 done=0 mine=0
for f in $flags; do
  n=$((n + 1))
  for first in flags-before-reenable/*/"$f.json"; do
    [ -s "$saved/$f.json" ] || [ ! -s "$first" ] || cp "$first" "$saved/$f.json" || exit 3
  done
  req GET "$url/$f" > "$saved/$f.json.new" || {
    rm -f "$saved"/*.json.new; echo "cannot read flag $f at $url/$f" >&2; exit 3; }
  got=$(cat "$saved/$f.json.new")
  printf 'flag %s: %.300s\\n' "$f" "$got"
  if [ -s "$saved/$f.json" ]; then
    mine=$((mine + 1))
    printf '  undo puts back what this incident saved first: %.300s\\n' "$(cat "$saved/$f.json")"
    rm -f "$saved/$f.json.new"
  fi
  if at "$got" "$last"; then done=$((done + 1)); fi
done
if [ "$done" -eq "$n" ]; then
  if [ "$mine" -eq 0 ]; then
    rm -f "$saved"/*.json.new
    echo "flags $flags are all enabled at $last % already: nothing to re-enable" >&2
    exit 120
  fi
  echo "flags $flags are at $last %, as this incident set them: the rollout starts again from its first step"
fi
first=${steps%%,*} above=
for f in $flags; do  # not this incident's (a copy of it saved): lowered by the first step
  [ -e "$saved/$f.json.new" ] || continue
  got=$(cat "$saved/$f.json.new")
  for p in $(printf '%s\n' "$got" | grep -Eo '[0-9]+([.][0-9]+)?' | sort -u); do
    if awk -v p="$p" -v first="$first" 'BEGIN { exit !(p + 0 > first + 0) }' && at "$got" "$p"; then
      above="$above${above:+, }$f reads $p % at $url/$f"
    fi
  done
done
if [ -n "$above" ]; then
  rm -f "$saved"/*.json.new
  echo "$above, above the first step, $first % of steps $steps: the re-enable would lower it first; nothing changed: give steps that start above it (steps)" >&2
  exit 3
fi
for new in "$saved"/*.json.new; do
  [ ! -e "$new" ] || mv "$new" "${new%.new}" || exit 3
done
"""
)

REENABLE_ACTION = (
    _REENABLE
    + """\
p={{percent}}
body=$(printf '%s' {{body}} | sed "s/PERCENT/$p/g")
for f in $flags; do
  req {{method}} "$url/$f" "$body" > /dev/null || { echo "flag $f: the service refused" >&2; exit 1; }
  echo "$p" > "$saved/$f.set" || { echo "cannot record flag $f at $p %, for undo" >&2; exit 1; }
  echo "flag $f: now at $p %"
done
"""
)

# The flags read enabled at the step's percentage; then `check`, on the jump host, with
# the target host's name in $ROLLBACK_HOST.
REENABLE_VERIFY = (
    _REENABLE
    + _AT
    + """\
p={{percent}}
for f in $flags; do
  got=$(req GET "$url/$f") || exit 1
  at "$got" "$p" || { printf 'flag %s is not enabled at %s %%: %.300s\\n' "$f" "$p" "$got" >&2; exit 1; }
  echo "flag $f is enabled at $p %"
done
cmd={{check}}
if [ -n "$cmd" ]; then
  said=$(ROLLBACK_HOST={{host}} sh -c "$cmd") || {
    [ -z "$said" ] || printf '%s\\n' "$said"; printf '%s\\n' "health check failed at $p %: $cmd" >&2; exit 1; }
  [ -z "$said" ] || printf '%s\\n' "$said"  # a line of its own: curl's output ends with none
  echo "health check passed at $p %"
fi
"""
)

# What each step set is recorded per flag (`.set`); with no record (a step that never
# sent), any step's percentage is taken as this incident's.
REENABLE_UNDO = _undo(
    _AT
    + """\
ours() {
  steps=$(cat "$saved/$1.set" 2>/dev/null) || steps={{steps}}
  for p in $(echo "$steps" | tr , ' '); do
    set_as="enabled at $p %"; at "$2" "$p" && return 0
  done
  return 1
}
"""
).replace("saved=flag-state/", "saved=flags-before-reenable/")

URL_ENV = param(
    "url_env",
    "environment variable of the console holding the service's base URL; each flag is at URL/NAME",
    type=ParamType.ENV,
    default="FLAG_SERVICE_URL",
)
TOKEN_ENV = param(
    "token_env",
    "environment variable of the console holding the bearer token (redacted)",
    type=ParamType.ENV,
    default="FLAG_SERVICE_TOKEN",
    secret=True,
)
METHOD = param("method", "PATCH or PUT", default="PATCH", pattern="PATCH|PUT")
DISABLED = param(
    "disabled",
    "extended regular expression a disabled flag's JSON matches",
    default='"enabled" *: *false',
)
REQUEST_SECONDS = param(
    "request_seconds",
    "time limit of each request",
    type=ParamType.INTEGER,
    default="30",
    pattern="[0-9]{1,4}",
)
NEEDS = ("on the jump host: curl 7.55 or newer, and the URL and token in the environment",)

PRESETS = (
    Preset(
        kind=StrategyKind.FEATURE_TOGGLE_OFF,
        name="http",
        summary="disable flags with a JSON PATCH (or PUT) to a flag service, from the jump host",
        runs_on=RunsOn.JUMP_HOST,
        params=(
            FLAGS,
            URL_ENV,
            TOKEN_ENV,
            METHOD,
            param(
                "body",
                "the JSON that disables a flag",
                default='{"enabled": false}',
                pattern=r"[{\[].*",
                takes="JSON, an object or an array: {...} or [...]",
            ),
            DISABLED,
            REQUEST_SECONDS,
        ),
        precheck=HTTP_PRECHECK,
        action=HTTP_ACTION,
        verify=HTTP_VERIFY,
        undo=HTTP_UNDO,
        needs=NEEDS,
    ),
    Preset(
        kind=StrategyKind.FEATURE_REENABLE,
        name="http",
        summary="raise flags step by step ({steps} %) through a"
        " flag service's API,"
        " from the jump host, checking health between",
        runs_on=RunsOn.JUMP_HOST,
        params=(
            FLAGS,
            URL_ENV,
            TOKEN_ENV,
            STEPS,
            METHOD,
            param(
                "body",
                "the JSON that enables a flag at a step; PERCENT stands for its percentage",
                default='{"enabled": true, "rollout": PERCENT}',
                pattern=r"[{\[].*PERCENT.*",
                takes="JSON, an object or an array, with PERCENT where the percentage goes",
            ),
            param(
                "rollout",
                "extended regular expression an enabled flag's JSON matches at a step;"
                " PERCENT stands for its percentage",
                default='"rollout" *: *PERCENT([^0-9.]|$)',
                pattern=".*PERCENT.*",
                takes="a regular expression with PERCENT where the percentage goes",
            ),
            DISABLED,
            param(
                "check",
                "health command run on the jump host after each step (exit 0 = healthy),"
                " the target host's name in $ROLLBACK_HOST; empty: none",
                default="",
            ),
            REQUEST_SECONDS,
        ),
        precheck=REENABLE_PRECHECK,
        action=REENABLE_ACTION,
        verify=REENABLE_VERIFY,
        undo=REENABLE_UNDO,
        needs=NEEDS,
    ),
)
