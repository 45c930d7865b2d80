"""The remote supervisor: the shell every command runs in on its host, so that nothing
it starts outlives the SSH session, and the commands that find and stop an earlier
attempt by its token after the console died. POSIX sh only."""

from __future__ import annotations

import functools
import secrets

ATTEMPT_TAG = "rollback-attempt="
LOST_GRACE_SECONDS = 3  # TERM, then KILL, when the session is lost
# TERM, then KILL, on the wrapper's TERM: under the console's grace before its own KILL
# (ending.KILL_GRACE_SECONDS), which would end the wrapper before it KILLs the group.
TERM_GRACE_SECONDS = 2
DETACH = "detach"  # a line on the channel's stdin: the watcher lets the command run on
# What a watcher that let go becomes: it stays (so that the pid the wrapper kills when
# the command ends is still its own) but watches nothing.
DETACHED_WATCHER = "sleep 2147483647"
# As it lets go, the watcher reads the command's output itself, into nothing: the console
# goes, and sshd with it closes the channel's end of the output pipes, so the command's
# next line would end it by SIGPIPE, halfway (seen: a version rollback's restart that
# printed 'restarted' once its terminal had closed was cut there, its link switched and its
# restart owed). Linux's /proc opens a read end of the wrapper's own pipe (a reader held:
# no SIGPIPE); a host without it (or whose output is no pipe) is left as before.
_DRAIN = "for f in 1 2; do [ -p /proc/$$/fd/$f ] && cat </proc/$$/fd/$f & done;"


def attempt_token() -> str:
    """A fresh tag for one command sent to one host, journalled in its intent."""
    return secrets.token_hex(6)


def supervised(command: str, token: str) -> str:
    """Wrap a command so that nothing it starts outlives its SSH session.

    The wrapper shell is tagged with the attempt's token first (so that `ps` finds it
    after a crash), runs the command in a subshell with stdin from /dev/null (and no
    editor: `_NO_EDITOR`), and keeps the
    channel's stdin open in a watcher. TERM, INT or HUP (abort, timeout) reach the whole
    process group, and what ignores them is KILLed after a grace period. sshd sends no signal when a non-pty session is lost (the console
    killed, the jump host gone); it closes the channel's stdin, the watcher reads EOF,
    TERMs the group, and KILLs what is left after a grace period. A line `detach` on
    stdin (the commander quit and chose to leave it running) makes the watcher let go
    instead: it becomes a sleep, stopped with the command's end. When the command ends
    the watcher is stopped: what the command left running on purpose stays.

    The script runs in /bin/sh whatever the login shell: a login shell that is /bin/sh
    itself (sshd sets SHELL to it) reads it with `eval`, any other execs /bin/sh for it
    (an exec, ~0.6 ms of a host's CPU a command, saved where it is not needed). POSIX sh;
    two forks beside the command: its subshell and the watcher.
    """
    # The tag leads the login shell's arguments (ps may cut them short), and those of the
    # /bin/sh it execs; the script eval'd in the login shell, whose arguments it leads
    # already, goes without it (a dash login shell pays ~100 instructions a character of
    # what it evals: bench/HISTORY.md, "A 5-step run against one step: where a step's
    # 60 ms above the floor go"). The script ends with `exit`: eval does not return to the
    # exec's line, which sh then never parses (20 k instructions of the login shell's).
    tag = f"# {ATTEMPT_TAG}{token}\n"
    script = _script(command)  # a quote first: the tag (no quote) goes inside it
    return f'{tag}test "$SHELL" = /bin/sh && eval {script}\nexec /bin/sh -c \'{tag}{script[1:]}'


@functools.lru_cache(maxsize=16)
def _script(command: str) -> str:
    """The script of `command`, quoted: the same for each host of a step (only the tag,
    outside it, is the host's), made once (~5 µs a host, in the gap between two steps)."""
    return _quoted(_body(command))


def supervised_here(command: str, token: str) -> str:
    """`supervised` for a command on the jump host (engine/local.py): the script itself,
    run by /bin/sh there, whose arguments show its first line, the tag, alone."""
    return f"# {ATTEMPT_TAG}{token}\n{_body(command)}"


def _body(command: str) -> str:
    """The script but its tag: `_stop` trapped first (before it, nothing is forked and a
    signal's default ends the wrapper alone), the watcher, the command, the end."""
    return (
        f"{_STOP}"
        "exec 3<&0 </dev/null\n"
        # The watcher first: `w` is set before the command starts, so a TERM finds it.
        f'{{ while read -r l; do [ "$l" = {DETACH} ] && {{ {_DRAIN} exec {DETACHED_WATCHER}; }}; done;'
        " trap '' TERM; kill -TERM 0;"
        f" sleep {LOST_GRACE_SECONDS}; kill -KILL 0; }} <&3 3<&- >/dev/null 2>&1 &\n"
        "w=$!\n"
        "exec 3<&-\n"
        f"{_NO_EDITOR}(\n{command}\n) &\n"
        "c=$!\n"
        "wait $c\n"
        "s=$?\n"
        # KILL: a TERM that lands while the watcher is still being forked is lost.
        "kill -KILL $w 2>/dev/null\n"
        "wait $w 2>/dev/null\n"  # no "Killed" line on the command's stderr
        "exit $s\n"
    )


# Nobody can type into an editor here (no terminal, stdin /dev/null): one opened waits out
# the command's timeout (vim reads keys from its stderr, the channel; a `git commit` or
# `git revert` without a message, `crontab -e`). `false` in its place fails the command at
# once, in its own words ('There was a problem with the editor'); a command that sets one
# itself keeps it.
_NO_EDITOR = "export GIT_EDITOR=false EDITOR=false VISUAL=false\n"


# What the wrapper does on TERM, INT or HUP (an abort, a timeout; the watcher's TERM once
# the session is lost), trapped before anything is forked: TERM the group; KILL it if
# anything is left after TERM_GRACE_SECONDS but the wrapper, its watcher (`w`, and its sleep) and its own `ps | awk` (a restart script that traps
# TERM ran on past its timeout: the console's KILL reached only the wrapper, gone); then
# end by TERM as before (without `ps`, in a minimal container: as before, silently). A TERM
# before `w` is set, before the command starts (the session lost at once: the watcher
# TERMs, and KILLs after its own grace), looks at nothing. No backslash: the script stays
# quoted the simple way.
_STOP = (
    "_stop() {\n"
    "  trap '' TERM INT HUP; kill -TERM 0; n=0\n"
    f'  while [ -n "$w" ] && [ $n -lt {TERM_GRACE_SECONDS} ] &&'
    ' ps -e -o pgid= -o pid= -o ppid= -o stat= -o args= 2>/dev/null | awk -v g=$$ -v w="$w"'
    " '$1 == g && $2 != g && $2 != w && $3 != w && $4 !~ /^Z/"
    " && !($3 == g && $5 ~ /(^|[/])(ps|[a-z]*awk)$/) { f = 1 } END { exit !f }'; do\n"
    "    sleep 1; n=$((n + 1))\n"
    "  done\n"
    f"  [ $n -lt {TERM_GRACE_SECONDS} ] || kill -KILL 0\n"
    "  trap - TERM; kill -TERM $$\n"
    "}\n"
    "trap _stop TERM INT HUP\n"
)


def _quoted(text: str) -> str:
    """`text` as one word that sh, bash, zsh and fish all read the same: single-quoted,
    with each quote and backslash outside the quotes (fish reads \\ and \\' inside them)."""
    if "\\" in text:
        text = "'\\''".join(part.replace("\\", "'\\\\'") for part in text.split("'"))
    else:
        text = text.replace("'", "'\\''")
    return f"'{text}'"


def find_command(token: str) -> str:
    """POSIX sh listing every process of the attempt tagged `token`, one per line (pid,
    process group, elapsed time, arguments): the tagged wrapper's whole process group.
    The pattern brackets a character so that the search never finds itself."""
    pattern = f"{ATTEMPT_TAG}[{token[0]}]{token[1:]}"
    return (
        "ps -e -o pid= -o pgid= -o etime= -o args= | awk"
        f" '{{ line[NR] = $0; group[NR] = $2 }} /{pattern}/ {{ hit[$2] = 1 }}"
        " END { for (i = 1; i <= NR; i++) if (group[i] in hit) print line[i] }'"
    )


def stop_command(groups: list[int]) -> str:
    """TERM each process group, KILL what is left after a grace period."""
    ids = " ".join(str(g) for g in groups)
    return (
        f"for g in {ids}; do kill -TERM -$g 2>/dev/null; done; n=0;"
        f" while [ $n -lt {LOST_GRACE_SECONDS} ]; do alive=;"
        f" for g in {ids}; do kill -0 -$g 2>/dev/null && alive=1; done;"
        ' [ -z "$alive" ] && exit 0; sleep 1; n=$((n + 1)); done;'
        f" for g in {ids}; do kill -KILL -$g 2>/dev/null; done; exit 0"
    )
