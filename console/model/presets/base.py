"""What a preset is: a built-in kind's real, documented commands, as typed templates."""

from __future__ import annotations

import contextlib
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.model.kinds import RunsOn, StrategyKind
from console.model.param_types import ParamType
from console.model.params import Parameter
from console.model.templates import PATTERN_WORDS

STAGES = ("precheck", "action", "verify", "undo")


@dataclass(frozen=True)
class Resolve:
    """What a symbolic value of one parameter (`previous`) stands for on each host, asked
    before the commander's yes: `command` changes nothing on the host (it writes no file,
    not even .rollback/) and prints `resolved NAME=VALUE: words` (what the run will act
    on), or fails as the precheck would, saying why. The run then goes with VALUE itself,
    the version the commander confirmed; or, `per_host`, VALUE is each host's own (a
    commit id of its own repository): the confirmation names it host by host, and the run
    keeps the symbolic value, which each host's precheck resolves again; values that
    differ are no problem, but what they hold (`same=`) must be the same content on every
    host, or the run stops before it sends anything."""

    param: str
    symbolic: str
    command: str
    per_host: bool = False
    # `per_host`: the parameter the content confirmed (`same=`) is pinned in, which the
    # precheck checks the symbolic value still holds (a commit since would change it)
    holds: str = ""
    # A value named outright is asked of the hosts too (`command` checks it as the
    # precheck would, a revision misspelt refused before the yes, not after it), and
    # then goes as given: nothing pinned, nothing recorded of it.
    checks_named: bool = False


# `same=ID`, given: what the value holds, alike on every host where it is the same content
# (the git preset's hash of the paths' blob ids; its commit ids are each host's own).
# `from=X`, given: what the host is on now (a release), for the record (strategy.resolved).
RESOLVED = re.compile(r"^resolved ([a-z_]+)=(\S+)(?: same=(\S+))?(?: from=(\S+))?: (.+)$")
# A host with nothing to do (exit 120): what it holds and keeps, `stays same=ID`.
STAYS = re.compile(r"^stays same=(\S+)$")


# How far a host's clock may run ahead of this machine's: a time that much after now here
# may have been read on the host (its own later commits); the host's precheck judges it.
AHEAD_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class Preset:
    """Commands for one kind of strategy on one kind of host setup.

    A configuration names it with `preset = "..."` and may still override any stage or
    any parameter's keys by name.
    """

    kind: StrategyKind
    name: str
    summary: str
    params: tuple[Parameter, ...]
    action: str
    precheck: str | None = None
    verify: str | None = None
    undo: str | None = None
    data_touching: bool = False
    runs_on: RunsOn = RunsOn.HOSTS
    default: bool = False  # the kind's commands when a strategy names no preset
    needs: tuple[str, ...] = ()  # what must exist on the host, for the documentation
    # Parameters of which one at most may be given (not empty): two recovery targets.
    exclusive: tuple[tuple[str, ...], ...] = ()
    resolve: Resolve | None = None  # asked before the yes (migration-reversal's `previous`)
    # Asked of each host before the undo's yes, changing nothing there: what the undo would
    # set aside, one `sets aside ...` line (model/set_aside.py); a restore's.
    undo_weigh: str | None = None
    # What the data is brought back to, from the values it runs with (`the time ...`): named
    # on the step's status lines, before it runs and after.
    recovers_to: Callable[[Mapping[str, str]], str] | None = None
    # Timestamps that must lie in the past: a recovery target no commit has reached yet.
    past: tuple[str, ...] = ()

    def commands(self) -> dict[str, str]:
        return {s: t for s in STAGES if (t := getattr(self, s))}

    def ahead(self, values: Mapping[str, str], now: datetime) -> tuple[str, str] | None:
        """A `past` parameter given a time more than AHEAD_SKEW after `now` (this machine's
        clock; a host's may be a little ahead of it): its name, and why it is refused (by
        `run` and the picker in a value given, by check-config in a default)."""
        for name in self.past:
            with contextlib.suppress(ValueError):
                when = datetime.fromisoformat(values.get(name) or "")
                if when.tzinfo is not None and when - now > AHEAD_SKEW:
                    return name, (
                        f"{values[name]} is {_span(when - now)} ahead of now ({now:%H:%M} UTC on"
                        " this jump host): no commit has reached it, so recovery never would;"
                        " its zone written wrong (Z for a local time)?"
                    )
        return None

    def contradiction(self, values: Mapping[str, object]) -> list[str]:
        """The names of an exclusive group that `values` (by name) all give, if two or
        more; else none."""
        for names in self.exclusive:
            given = [n for n in names if values.get(n)]
            if len(given) > 1:
                return given
        return []


def _span(by: timedelta) -> str:
    """`by` in its largest units: 3 h 5 min, 12 min, 2 days."""
    minutes = int(by.total_seconds() // 60)
    if minutes >= 2 * 24 * 60:
        return f"{minutes // (24 * 60)} days"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def param(
    name: str,
    description: str,
    *,
    type: ParamType = ParamType.STRING,
    default: str | None = None,
    pattern: str | None = None,
    required: bool = False,
    secret: bool = False,
    takes: str = "",
) -> Parameter:
    """A preset's parameter; `takes`: what its pattern allows, in words, as a refusal says
    it (`previous, base, or a revision id`)."""
    if pattern and takes:
        PATTERN_WORDS[pattern] = takes
    return Parameter(
        name=name,
        type=type,
        default=default,
        pattern=pattern,
        required=required,
        description=description,
        secret=secret,
    )


def run_optional(name: str, what: str, done: str = "") -> str:
    """Shell that runs the command held by parameter `name` unless it is empty; its
    failure says the command's own last stderr line (`sudo: a password is required`: the
    line after it, `restart failed: CMD`, hid it from every failure summary, which reads a
    host's last stderr line) and `done`, what the script had already changed, when given.
    Its stderr goes on line by line as it comes (a restart that hangs has said what it
    said), through a reader that keeps the last line; its stdout is the script's."""
    already = f" ({done})" if done else ""
    return f"""\
cmd={{{{{name}}}}}
if [ -n "$cmd" ]; then
  {{ r=$({{ {{ sh -c "$cmd" 2>&1 >&4 3>&- 4>&-; echo $? >&3; }} |
    {{ e=; while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l" >&2; [ -n "$l" ] && e=$l; done
      printf '%s' "$e"; }}; }} 3>&1); }} 4>&1
  s=${{r%%[!0-9]*}} e=${{r#*"
"}}
  [ "$r" = "$s" ] && e=
  [ "$s" = 0 ] || {{ printf '%s\\n' "{what} failed: $cmd${{e:+; it said: $e}}{already}" >&2; exit 1; }}
fi
"""


def write_whole(command: str, path: str) -> str:
    """Shell writing what `command` prints to `path` (a shell word) in one rename: written
    aside to `path`.part first, so that `path` is never found half-written (a full disk, a
    lost session mid-write). Fails as the write or the rename fails; the caller removes
    the part then."""
    return f"{command} > {path}.part && mv -f {path}.part {path}"


# What a verify reads after the change is found in place, if set: (parameter, words).
HEALTH_CHECK = (("check", "the health check"),)


@dataclass(frozen=True)
class RestartOwed:
    """The restart a change needs is owed from before the change until the restart has
    finished: a file in .rollback/, named `head` + the incident + `tail` (shell words),
    holds its command meanwhile, and on its second line `target` (a shell word: what the
    change is to, the link, the repository, the flags file). A connection lost mid-restart
    (or a restart that failed) leaves it there, so the verify, which reads the change
    alone, does not report a change the service may not run yet as succeeded."""

    head: str
    tail: str
    target: str

    @property
    def mark(self) -> str:
        return f"{self.head}{{{{incident}}}}{self.tail}"

    def owe(self) -> str:
        """Before the change: the `restart` parameter's command, when there is one, owed.
        The mark is written aside and renamed into place whole: one cut short (a full disk,
        a lost session) is never left for a verify or another incident to read."""
        said = "printf '%s\\n' {{restart}} " + self.target
        return f"""\
if [ -n {{{{restart}}}} ]; then
  mkdir -p "$(dirname {self.mark})" &&
    {write_whole(said, self.mark)} ||
    {{ rm -f {self.mark}.part; echo "cannot record in .rollback/ that a restart is owed" >&2; exit 1; }}
fi
"""

    def others(self) -> str:
        """The marks of every incident of this kind, as a shell glob."""
        return f"{self.head}*{self.tail}"

    def _same(self, restart: bool) -> str:
        """A shell condition: the mark `$m` is on this target (its last line; printf, not
        echo, which dash's reads backslashes in); one made before there was a target line
        is too, for `restart` only where it holds the same command (echoed then)."""
        made_before = '[ -z "$(sed -n 2p "$m")" ]'
        if restart:
            made_before = (
                f'{{ {made_before} && [ "$(sed -n 1p "$m")" = "$(echo {{{{restart}}}})" ]; }}'
            )
        on = f'[ "$(sed -n \'$p\' "$m")" = "$(printf \'%s\\n\' {self.target})" ]'
        return f"{{ {on} || {made_before}; }}"

    def left(self, what: str) -> str:
        """Shell setting `$owed` to the mark another incident left on this target (its
        change made, its restart cut off or failed, and that incident closed) and `$whose`
        to that incident, else both to nothing: a run that finds its change in place takes
        it over and runs the restart. With `restart` empty nothing here would run it, so
        that fails (exit 3) saying so; `what` names the change in that line."""
        return f"""\
owed= whose=
for m in {self.others()}; do
  if [ -f "$m" ] && [ "$m" != {self.mark} ] && {self._same(False)}; then
    owed=$m whose=${{m#{self.head}}} whose=${{whose%{self.tail}}}
  fi
done
if [ -n "$owed" ] && [ -z {{{{restart}}}} ]; then
  case $owed in /*) at=$owed ;; *) at=$(pwd)/$owed ;; esac
  printf '%s %s\\n' "{what}, but its restart never finished: $(sed -n 1p "$owed") (cut off, or it failed), and" \\
    "restart is empty here: restart the service by hand, then remove $at; or give restart" >&2
  exit 3
fi
"""

    def taken_over(self, what: str, took: str) -> str:
        """`left`, then `took` (shell lines saying and recording the take-over) and exit 0
        where another incident's change is found owed: a precheck's or a resolve's."""
        return self.left(what) + '  if [ -n "$owed" ]; then\n' + took + "    exit 0\n  fi\n"

    def take(self) -> str:
        """In the precheck that found `$owed` (see left): the mark becomes this incident's,
        so that its restart, whatever its command, is what clears it."""
        return f"""\
mv -f "$owed" {self.mark} ||
  {{ echo "cannot take over $owed in .rollback/" >&2; exit 3; }}
"""

    def restart(self, done: str = "") -> str:
        """After the change: run `restart` (see run_optional); once it has finished, it is
        no longer owed: neither this incident's (or the one it took over) nor another's on
        the same target. Another service's, in the same work directory, stays."""
        return (
            run_optional("restart", "restart", done)
            + f"""\
rm -f {self.mark}
for m in {self.others()}; do
  if [ -f "$m" ] && {self._same(True)}; then rm -f "$m"; fi
done
"""
        )

    def finished(self, made: str, later: tuple[tuple[str, str], ...] = HEALTH_CHECK) -> str:
        """In the verify: a restart still owed since the change fails it, saying what was
        checked (`made`: shell words, inside double quotes, of the change found in place)
        and what was not: each of `later`, (parameter, its words), that the verify reads
        after this point and that is set. Seen: `verify` answered 'verified: failed' of a
        release whose link was switched and whose restart alone had been cut off, as if
        the change had not been made, and the health check had never run."""
        unread = "".join(
            f'if [ -n {{{{{name}}}}} ]; then unread="${{unread:+$unread, }}{words} ("{{{{{name}}}}}")"; fi\n'
            for name, words in later
        )
        return f"""\
if [ -f {self.mark} ]; then
  unread=
{textwrap.indent(unread, "  ")}  printf '%s %s\\n' "checked: {made}; but the restart has not finished since the change: "{{{{restart}}}}" (cut off," \\
    "or it failed): the service may still run as before it${{unread:+; not checked: $unread}}; a retry runs the restart again" >&2
  exit 1
fi
"""


# Parameters more than one family shares.
RESTART = param(
    "restart",
    "command that restarts or reloads the service after the change; empty: none",
    default="",
)
CHECK = param(
    "check",
    "health command run by verify (exit 0 = healthy); empty: no health command",
    default="",
)
CHECK_WAIT = param(
    "check_wait",
    "seconds verify tries `check` again, once a second, before it fails (a service still"
    " starting after its restart); 0: once",
    type=ParamType.INTEGER,
    default="0",
    pattern="[0-9]{1,4}",
)


def run_check() -> str:
    """Shell that runs `check` unless it is empty, again once a second for up to
    `check_wait` seconds while it fails: a service whose restart returned before it
    listens (systemd's Type=simple) is not a failed rollback. Each try's output is printed
    on lines of its own: a check printing `ok` with no newline ran into what the script
    says next (`okon 2.9.1`)."""
    return """\
cmd={{check}}
if [ -n "$cmd" ]; then
  wait={{check_wait}}
  end=$(( $(date +%s) + wait ))
  until said=$(sh -c "$cmd"); do
    if [ -n "$said" ]; then printf '%s\\n' "$said"; fi
    if [ "$(date +%s)" -ge "$end" ]; then
      tried=""; [ "$wait" -gt 0 ] && tried=" (for $wait s)"
      printf '%s\\n' "health check failed$tried: $cmd" >&2; exit 1
    fi
    sleep 1
  done
  if [ -n "$said" ]; then printf '%s\\n' "$said"; fi
fi
"""
