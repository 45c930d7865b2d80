"""version-rollback, preset `releases`: the `releases/<version>` + `current` link layout."""

from __future__ import annotations

from console.model.kinds import StrategyKind
from console.model.param_types import ParamType
from console.model.presets.base import (
    CHECK,
    CHECK_WAIT,
    HEALTH_CHECK,
    RESTART,
    Preset,
    Resolve,
    RestartOwed,
    param,
    run_check,
)

# Releases live beside the one `current` points into, whatever form the link uses
# (relative or absolute); the link is replaced atomically (GNU mv -T).
_WHERE = """\
link={{current}}
test -L "$link" || { echo "$link is not a symbolic link" >&2; exit 3; }
points=$(readlink "$link")
cur=$(basename "$points")
base=$(dirname "$points")
dir=$(cd "$(dirname "$link")" && cd "$base" && pwd) || { echo "no releases directory $base" >&2; exit 3; }
"""


OWED = RestartOwed(".rollback/release-", "-restart-owed", '"$link"')  # the restart since the switch


# `previous` is relative to `current`: on a host that a rollback already moved, it would
# go one release further back. A retry within the same incident (`previous`, or the
# release it named: a restart that failed after the switch) checks that rollback again
# (`again`); another incident takes over one whose restart never finished (`took`: that
# incident closed without it), and is refused otherwise, naming the release to go further
# back.
def _choose(again: str, took: str) -> str:
    """The release to roll back to, in `$target`; the precheck and the resolve alike."""
    return (
        _WHERE
        + """\
target={{target}}
if [ "$(cat .rollback/release-target 2>/dev/null)" = "$cur" ] &&
  { [ "$target" = previous ] || [ "$target" = "$cur" ]; }; then
  by=$(cat .rollback/release-incident 2>/dev/null)
  if [ "$by" = {{incident}} ]; then
"""
        + again
        + """\
    exit 0
  fi
"""
        + OWED.taken_over(
            "$link points at $cur, where incident ${by:-unknown}'s rollback put it", took
        )
        + """\
  if [ "$target" = previous ]; then
    echo "already rolled back to $cur (from $(cat .rollback/release-from 2>/dev/null)," \\
      "incident ${by:-unknown}): previous would go further back; name the release (target)" >&2
    exit 120
  fi
fi
if [ "$target" = previous ]; then
  target=$(ls -1 "$dir" | sort -V | awk -v c="$cur" '$0 == c { print p; exit } { p = $0 }')
fi
if [ -z "$target" ]; then
  echo "no release to roll back to from $cur in $dir" >&2
  exit 3
fi
if [ ! -d "$dir/$target" ]; then
  have=$(ls -1 "$dir" | sort -V | tail -n 5 | tr '\n' ' ')
  echo "no release $target in $dir (the latest there: ${have% }): name one of them (target)" >&2
  exit 3
fi
test "$target" != "$cur" || { echo "already on $cur: nothing to roll back" >&2; exit 120; }
"""
    )


PRECHECK = (
    _choose(
        '    echo "current release: $cur, where this incident\'s rollback put it: checking it again"\n',
        """\
    printf '%s %s\\n' "current release: $cur, where incident ${by:-unknown}'s rollback put it;" \\
      "its restart never finished ($(sed -n 1p "$owed")): this rollback runs it"
    echo {{incident}} > .rollback/release-incident ||
      { echo "cannot write .rollback/ in $(pwd)" >&2; exit 3; }
"""
        + OWED.take(),
    )
    + """\
mkdir -p .rollback && echo "$target" > .rollback/release-target &&
  echo {{incident}} > .rollback/release-incident ||
  { echo "cannot write .rollback/ in $(pwd)" >&2; exit 3; }
echo "current release: $cur; rolling back to $target"
"""
)

# What `previous` stands for, asked before the commander's yes: nothing written.
RESOLVE = (
    _choose(
        '    echo "resolved target=$cur: on $cur, where this incident\'s rollback put it: checked again"\n',
        """\
    echo "resolved target=$cur: on $cur, where incident ${by:-unknown}'s rollback put it;" \\
      "its restart never finished: this rollback runs it"
""",
    )
    # what it is on now, for the record: a word only (the line's pattern), else left out
    + """\
case $cur in *[[:space:]]* | '') from= ;; *) from=" from=$cur" ;; esac
echo "resolved target=$target$from: release $cur to $target"
"""
)

ACTION = (
    _WHERE
    + """\
target=$(cat .rollback/release-target) || exit 3
"""
    + OWED.owe()
    + """\
if [ "$cur" = "$target" ]; then  # a retry: the release it replaced stays recorded
  echo "already on $target"
else
  echo "$cur" > .rollback/release-from && echo "$cur" > .rollback/release-{{incident}}-from &&
    echo "$target" > .rollback/release-{{incident}}-target ||
    { echo "cannot record the release replaced" >&2; exit 1; }
  ln -sfn "$base/$target" "$link.next" && mv -Tf "$link.next" "$link" ||
    { echo "cannot point $link at $target" >&2; exit 1; }
  echo "rolled back: $cur -> $target"
fi
"""
    + OWED.restart("$link already points at $target: a retry restarts it")
)

# The release the service runs, as `running` prints it (its version endpoint, say): the
# link says what was put in place, a restart exiting 0 not that the service took it (a
# reload that did nothing leaves the release before running, healthy). A word of its
# output must be the release the link points at: `2.9.1` in `v2.9.1` or `{"version":
# "2.9.1"}`, not in `2.9.10` or `12.9.1`.
RUNNING = """\
running={{running}}
if [ -n "$running" ]; then
  ran=$(sh -c "$running" 2>&1) || {
    echo "cannot read the release the service runs ($running): $(printf '%s\\n' "$ran" | tail -n 1)" >&2
    exit 1
  }
  pat=$(printf '%s' "$cur" | sed 's/[].[*^$\\\\]/\\\\&/g')
  if ! printf '%s\\n' "$ran" | grep -Eq "(^|[^0-9.])$pat(\\$|[^0-9.])"; then
    echo "the service runs $(printf '%s\\n' "$ran" | tail -n 1 | cut -c1-100), not $cur ($running):" \\
      "its restart exited 0 but did not take; $link points at $cur" >&2
    exit 1
  fi
  echo "the service runs $cur ($running)"
fi
"""

VERIFY = (
    _WHERE
    + """\
want=$(cat .rollback/release-target) || exit 3
test "$cur" = "$want" || { echo "$link points at $cur, expected $want" >&2; exit 1; }
"""
    + OWED.finished(
        "$link points at $cur",
        (*HEALTH_CHECK, ("running", "the release the service runs")),
    )
    + run_check()
    + 'echo "on $cur"\n'
    + RUNNING
)

# Undo puts back what this incident's action replaced, and only while the link is where
# that action left it: a later incident's rollback there is not this one's to undo.
UNDO = (
    _WHERE
    + """\
if [ -f .rollback/release-{{incident}}-from ]; then
  prev=$(cat .rollback/release-{{incident}}-from) && want=$(cat .rollback/release-{{incident}}-target) || exit 3
elif [ "$(cat .rollback/release-incident 2>/dev/null)" = {{incident}} ] && [ -f .rollback/release-from ]; then
  prev=$(cat .rollback/release-from) && want=$(cat .rollback/release-target) || exit 3
else
  echo "nothing to undo: this incident replaced no release here" >&2; exit 120
fi
if [ "$cur" != "$prev" ] && [ "$cur" != "$want" ]; then
  echo "$link points at $cur, not $want where this incident's rollback left it: nothing to undo" >&2
  exit 120
fi
"""
    + OWED.owe()  # as the action: a restart cut off mid-undo stays owed on the host
    + """if [ "$cur" = "$prev" ]; then  # a retry: the link is back already
  echo "already back on $prev"
else
  ln -sfn "$base/$prev" "$link.next" && mv -Tf "$link.next" "$link" ||
    { echo "cannot point $link back at $prev" >&2; exit 1; }
  echo "undone: back on $prev"
fi
"""
    + OWED.restart("$link already points back at $prev")
)

PRESETS = (
    Preset(
        kind=StrategyKind.VERSION_ROLLBACK,
        name="releases",
        summary="point the `current` link back at an earlier release beside it; restart if configured",
        default=True,
        params=(
            param(
                "target",
                "release to return to; `previous` is the one before `current` (version sort)",
                type=ParamType.VERSION,
                default="previous",
            ),
            param(
                "current",
                "the link to the live release (releases are the directories beside its target)",
                type=ParamType.PATH,
                default="current",
            ),
            RESTART,
            CHECK,
            CHECK_WAIT,
            param(
                "running",
                "command printing the release the service runs (its version endpoint);"
                " verify fails unless it names the release rolled back to; empty: not read",
                default="",
            ),
        ),
        precheck=PRECHECK,
        action=ACTION,
        verify=VERIFY,
        undo=UNDO,
        resolve=Resolve("target", "previous", RESOLVE, checks_named=True),
        needs=("a `current` symbolic link into a directory of releases", "GNU coreutils (mv -T)"),
    ),
)
