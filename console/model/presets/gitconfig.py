"""config-restore, preset `git`: configuration tracked in git, etckeeper-style.

The tracked paths go back to an earlier revision as a new commit (history only grows, so
the restore itself is on record in the repository); undo commits the replaced revision's
content back. What the precheck resolved is kept in `.rollback/` of the working directory,
and `restart` and `check` run there too, as every preset's do. `previous` on paths that a
restore already put back would undo that restore: a retry within the same incident checks
it again (so does one naming the revision it restored), another incident takes it over
when its restart never finished, and is refused otherwise and must name the revision.
"""

from __future__ import annotations

from console.model.kinds import StrategyKind
from console.model.param_types import ParamType
from console.model.presets.base import (
    CHECK,
    CHECK_WAIT,
    RESTART,
    Preset,
    Resolve,
    RestartOwed,
    param,
    run_check,
)

_PATH = r"[A-Za-z0-9._/+@-]+"


def _repo(made: str) -> str:
    """Into the repository, the paths in `$@`; `made` what is set up in the working
    directory first (the resolve makes nothing)."""
    return (
        f"work=$(pwd) && {made}state=$work/.rollback || exit 3\n"
        + """\
cd {{repo}} || { echo "no repository at "{{repo}} >&2; exit 3; }
git rev-parse --is-inside-work-tree > /dev/null || exit 3
set -f
set -- $(echo {{paths}} | tr , ' ')
set +f
ident=
if ! git config user.email > /dev/null; then
  ident="-c user.name=rollback-console -c user.email=rollback-console@localhost"
fi
"""
    )


_REPO = _repo("mkdir -p .rollback && ")

_IN_WORKDIR = 'cd "$work" || exit 1\n'  # restart and check start where every command does


# What a revision holds on the paths, alike in every repository (blob ids are content):
# `same REV PATHS...` prints it, the resolve's `same=` and the precheck's `content` check.
SAME = 'same() { r=$1 && shift && git ls-tree -r "$r" -- "$@" | git hash-object --stdin; }\n'

OWED = RestartOwed('"$state/git-"', '"-restart-owed"', "{{repo}}")  # the restart since the restore


# `previous` is relative to the last commit on the paths: on paths that a restore already
# put back it would undo that restore. A retry within the same incident checks that restore
# again (`again`); another incident takes over one whose restart never finished (`took`:
# that incident closed without it), and is refused otherwise (exit 120), naming the revision.
def _choose(repo: str, again: str, took: str, stays: str = "") -> str:
    """The revision to restore, in `$rev`; the precheck and the resolve alike. `stays`:
    shell lines run before the host is found to have nothing to do (exit 120)."""
    return (
        repo
        + SAME
        + """\
dirty=$(git status --porcelain -- "$@")
if [ -n "$dirty" ]; then
  echo "$dirty" >&2  # the reason last: it is the line a host's failure is said by
  echo "uncommitted changes in $* (above): commit them first (etckeeper commit), then retry" >&2
  exit 3
fi
rev={{revision}}
named=
if [ "$rev" != previous ]; then
  named=$(git rev-parse -q --verify "$rev^{commit}") || {
    tags=$(git tag --sort=-creatordate | head -n 3 | paste -sd ' ')
    echo "no revision "{{revision}}" in $(pwd)${tags:+ (its latest tags: $tags)}: name a" \\
      "commit, tag or branch it has (revision)" >&2
    exit 3
  }
fi
# A retry in this incident of the restore it made (its restart or check failed) checks it
# again: a named revision too, which would else read "already match: nothing to restore".
# Its own records say what it restores (the shared ones, only once a restore is made).
done=$(cat "$state/git-"{{incident}}"-target" 2>/dev/null)
if [ -n "$done" ] && { [ "$rev" = previous ] || [ "$named" = "$done" ]; } &&
  git diff --quiet "$done" HEAD -- "$@" 2>/dev/null; then
"""
        + again
        + """\
  exit 0
fi
done=$(cat "$state/git-target" 2>/dev/null)
by=$(cat "$state/git-incident" 2>/dev/null)
if [ -n "$done" ] && { [ "$rev" = previous ] || [ "$named" = "$done" ]; } &&
  git diff --quiet "$done" HEAD -- "$@" 2>/dev/null; then
"""
        + OWED.taken_over(
            "$* match $(git log -n 1 --format='%h %s' \"$done\"), as incident ${by:-unknown}"
            " restored them",
            took,
        )
        + """\
  if [ "$rev" = previous ]; then
"""
        + stays
        + """\
    echo "$* already restored to $(git log -n 1 --format='%h %s' "$done") (incident" \\
      "${by:-unknown}): previous would undo that restore; name the revision to restore" >&2
    exit 120
  fi
fi
if [ "$rev" = previous ]; then
  last=$(git log -n 1 --format=%H -- "$@")
  test -n "$last" || { echo "no commit touches $*" >&2; exit 3; }
  rev=$(git rev-parse -q --verify "$last^{commit}^") || {
    echo "no revision of $* before $(git log -n 1 --format='%h %s' "$last"), the first commit:" \\
      "nothing to go back to; name the revision to restore" >&2
    exit 3
  }
else
  rev=$named
fi
if git diff --quiet "$rev" HEAD -- "$@"; then
"""
        + stays
        + """\
  echo "$* already match $(git log -n 1 --format='%h %s' "$rev"): nothing to restore" >&2
  exit 120
fi
"""
    )


MINE = '"$state/git-"{{incident}}'  # this incident's records: `-from`, `-target`


def _own(from_: str, target: str, indent: str = "") -> str:
    """Shell writing this incident's records, what its restore replaces (`from_ PATH`)
    and restores (`target PATH`), for its action, verify and undo: each written aside and
    renamed into place, so that a write cut short (a full disk) leaves none half-made and
    fails the host with nothing changed. The shared records (the last restore made here,
    which `previous` must not undo) are written by the action, once the restore is made."""
    return f"""\
{indent}{{ {from_} {MINE}-from.part && {target} {MINE}-target.part &&
{indent}  mv -f {MINE}-from.part {MINE}-from && mv -f {MINE}-target.part {MINE}-target; }} ||
{indent}  {{ rm -f {MINE}-from.part {MINE}-target.part
{indent}    echo "cannot record in .rollback/ what this restore replaces, for undo: nothing changed" >&2
{indent}    exit 3; }}
"""


def _made() -> str:
    """Shell, once the restore is made: the shared records say it is this incident's (what
    the next incident's `previous` reads), each written aside and renamed into place."""
    shared = '"$state/git-"'
    return f"""\
{{ cp {MINE}-from {shared}from.part && cp {MINE}-target {shared}target.part &&
  echo {{{{incident}}}} > {shared}incident.part &&
  mv -f {shared}from.part {shared}from && mv -f {shared}target.part {shared}target &&
  mv -f {shared}incident.part {shared}incident; }} ||
  {{ rm -f {shared}from.part {shared}target.part {shared}incident.part
    echo "$* restored, but .rollback/ cannot record it: another incident's previous would" \\
      "undo it; make room there, then retry (it checks the restore again)" >&2
    exit 1; }}
"""


PRECHECK = (
    _choose(
        _REPO,
        """\
    echo "$* match $(git log -n 1 --format='%h %s' "$done"), as this incident restored them:" \\
      "checking them again"
""",
        """\
    printf '%s %s\\n' "$* match $(git log -n 1 --format='%h %s' "$done"), as incident ${by:-unknown}" \\
      "restored them; its restart never finished ($(sed -n 1p "$owed")): this restore runs it"
"""
        + _own('cp "$state/git-from"', 'cp "$state/git-target"', "    ")
        + OWED.take(),
    )
    + """\
# `previous` as confirmed: the resolve's answers, asked before the yes, hold this content;
# a commit on the paths since (a hotfix) makes `previous` another revision here.
want={{content}}
if [ -n "$want" ] && [ {{revision}} = previous ] && [ "$(same "$rev" "$@")" != "$want" ]; then
  echo "$* changed since the hosts were asked (now at $(git log -n 1 --format='%h %s' -- "$@")):" \\
    "previous here is now $(git log -n 1 --format='%h %s' "$rev"), not the content confirmed;" \\
    "nothing changed: name the revision to restore here, or retry to be asked again" >&2
  exit 3
fi
"""
    + _own("git rev-parse HEAD >", 'echo "$rev" >')
    + """\
echo "restoring $* in $(pwd) from $(git log -n 1 --format='%h %s' HEAD)"
echo "                          to $(git log -n 1 --format='%h %s' "$rev")"
git diff --stat HEAD "$rev" -- "$@"
lines={{diff_lines}}
if [ "$lines" -gt 0 ]; then
  git diff HEAD "$rev" -- "$@" | head -n "$lines"
fi
"""
)

# What `previous` stands for on each host, asked before the commander's yes: nothing
# written (no .rollback/; git status refreshes no index). Each repository has its own
# commit ids: the value is the host's own, never one for all of them. `same=` is what the
# revision holds on the paths (the hash of their ls-tree: blob ids are content, alike in
# every repository): hosts where it differs would be restored to different content (seen:
# a hotfix committed on one host after the bad delivery made `previous` the delivery
# there), and the run stops before it sends anything.
RESOLVE = (
    "GIT_OPTIONAL_LOCKS=0 && export GIT_OPTIONAL_LOCKS\n"
    + _choose(
        _repo(""),
        """\
    echo "resolved revision=$(git rev-parse --short "$done") same=$(same "$done" "$@"):" \\
      "$* match" \\
      "$(git log -n 1 --format='%h %s' "$done"), as this incident restored them: checked again"
""",
        """\
    echo "resolved revision=$(git rev-parse --short "$done") same=$(same "$done" "$@"):" \\
      "$* match" \\
      "$(git log -n 1 --format='%h %s' "$done"), as incident ${by:-unknown} restored them;" \\
      "its restart never finished: this restore runs it"
""",
        # nothing to do here: what the paths hold, to compare with what the others get
        'echo "stays same=$(same HEAD "$@")"\n',
    )
    + """\
files=$(git diff --shortstat HEAD "$rev" -- "$@" | cut -d, -f1 | sed 's/^ *//')
echo "resolved revision=$(git rev-parse --short "$rev") same=$(same "$rev" "$@"):" \\
  "$* $(git log -n 1 --format='%h %s' -- "$@")" \\
  "→ $(git log -n 1 --format='%h %s' "$rev") ($files)"
"""
)

ACTION = (
    _REPO
    + f"""\
rev=$(cat {MINE}-target) || exit 3
"""
    + OWED.owe()
    + """\
# A restore or commit that fails midway (a file it cannot replace, a full disk) may have
# staged the revision, or written some files: put back as HEAD has them (the precheck
# found them committed), and say whether that worked.
back() {
  git restore --source=HEAD --staged -- "$@" 2>/dev/null
  git restore --source=HEAD --worktree -- "$@" 2>/dev/null
  if git diff --quiet HEAD -- "$@" && git diff --cached --quiet HEAD -- "$@"; then
    echo "the restore failed (above): $* put back as they were, nothing changed" >&2
  else
    git status --short -- "$@" >&2
    echo "the restore failed (above), and $* could not all be put back as HEAD has them:" \\
      "left as listed above (staged: first column; in the files: second)" >&2
  fi
  exit 1
}
git restore --source="$rev" --staged --worktree -- "$@" || back "$@"
if git diff --cached --quiet -- "$@"; then  # a retry: restored already
  echo "$* already at $(git log -n 1 --format=%h "$rev")"
else
  git $ident commit -q -m "rollback-console "{{incident}}": restore $* to $rev" || back "$@"
  echo "restored $* to $(git log -n 1 --format=%h "$rev") as commit $(git rev-parse --short HEAD)"
fi
"""
    + _made()
    + _IN_WORKDIR
    + OWED.restart()
)

VERIFY = (
    _REPO
    + f"""\
rev=$(cat {MINE}-target) || exit 3
"""
    + """\
git diff --quiet "$rev" -- "$@" || { git diff --stat "$rev" -- "$@" >&2; echo "$* differ from $rev (above)" >&2; exit 1; }
echo "$* match $(git log -n 1 --format='%h %s' "$rev")"
"""
    + OWED.finished('$* match $(git log -n 1 --format=%h "$rev")')
    + _IN_WORKDIR
    + run_check()
)

UNDO = (
    _REPO
    + """\
mine="$state/git-"{{incident}}
if [ -f "$mine-from" ]; then
  from=$(cat "$mine-from") && want=$(cat "$mine-target") || exit 3
elif [ "$(cat "$state/git-incident" 2>/dev/null)" = {{incident}} ]; then
  from=$(cat "$state/git-from") && want=$(cat "$state/git-target") || exit 3
else
  echo "nothing to undo: this incident restored nothing here" >&2; exit 120
fi
if git diff --quiet "$from" HEAD -- "$@"; then  # a retry: back already
  echo "$* already back to $(git log -n 1 --format='%h %s' "$from")"
elif ! git diff --quiet "$want" HEAD -- "$@"; then
  git diff --stat "$want" HEAD -- "$@" >&2
  echo "$* changed since this incident restored them to $(git log -n 1 --format='%h %s' "$want"):" \\
    "nothing to undo (the changes since would be lost)" >&2
  exit 120
elif dirty=$(git status --porcelain -- "$@") && [ -n "$dirty" ]; then
  echo "$dirty" >&2
  echo "uncommitted changes in $* since this incident restored them: commit them first" \\
    "(etckeeper commit), then undo; nothing undone (they would be lost)" >&2
  exit 3
else
"""
    + OWED.owe()  # as the action's: a restart cut off mid-undo stays owed
    + """\
  git restore --source="$from" --staged --worktree -- "$@" || exit 1
  git $ident commit -q -m "rollback-console "{{incident}}": undo, $* back to $from" || exit 1
  echo "undone: $* back to $(git log -n 1 --format='%h %s' "$from")"
fi
"""
    + _IN_WORKDIR
    + OWED.restart()
)

PRESETS = (
    Preset(
        kind=StrategyKind.CONFIG_RESTORE,
        name="git",
        summary="restore tracked paths of a git repository (etckeeper's /etc) to an earlier"
        " revision, as a new commit",
        params=(
            param(
                "revision",
                "revision to restore: `previous` (before the last commit that touched the"
                " paths), or any commit, tag or branch",
                default="previous",
                pattern=r"previous|[A-Za-z0-9][A-Za-z0-9._/~^@{}-]{0,127}",
                takes="previous, or a commit, tag or branch (a1b2c3d, v2.9.1, HEAD~1)",
            ),
            param("repo", "the repository's work tree", type=ParamType.PATH, default="/etc"),
            param(
                "paths",
                "comma-separated paths in the repository to restore; `.`: all of it (then"
                " `previous` undoes its last commit, whatever that touched)",
                default=".",
                pattern=rf"{_PATH}(,{_PATH})*",
                takes="paths in the repository joined by commas, no spaces (nginx,ssl); .: all",
            ),
            param(
                "diff_lines",
                "lines of the diff the precheck shows (and the journal keeps); 0: the stat only",
                type=ParamType.INTEGER,
                default="200",
                pattern="[0-9]{1,6}",
            ),
            param(
                "content",
                "what `revision = previous` must hold on the paths (a hash of their git blob"
                " ids), set from the hosts' answers when the run is confirmed: a host where it"
                " holds other content by the time the run gets there (a commit since) is"
                " refused, nothing changed; empty: not checked",
                default="",
                pattern="([0-9a-f]{40,64})?",
                takes="a content id a confirmation set (40 to 64 hex digits), or empty",
            ),
            RESTART,
            CHECK,
            CHECK_WAIT,
        ),
        precheck=PRECHECK,
        action=ACTION,
        verify=VERIFY,
        undo=UNDO,
        resolve=Resolve(
            "revision", "previous", RESOLVE, per_host=True, holds="content", checks_named=True
        ),
        needs=("git 2.23 or newer", "the login user may write the repository (etckeeper: root)"),
    ),
)
