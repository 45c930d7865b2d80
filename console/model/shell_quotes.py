"""Where a command template's placeholders stand in the shell's quoting: each value is
shell-quoted as it is filled in, so a placeholder inside quotes ("{{message}}") puts the
value back in the shell's hands: `$(...)`, backquotes and `$VAR` in a typed message or a
trigger's reason would run on the jump host, and the quotes show in what is sent."""

from __future__ import annotations

from collections.abc import Callable

from console.model.templates import PLACEHOLDER

# What a shell reads as code, where quotes nest anew: unquoted, `$( )`, `( )`, backquotes.
CODE = ("", "$(", "(", "`")
# Values that are always plain words (names, ids, `true`), which quoting leaves as they
# are: inside quotes they read the same (the presets write `"{{incident}}"`).
PLAIN_WORDS = frozenset({"host", "system", "incident", "phase", "step", "severity", "drill"})


def quoted_placeholders(template: str, free: Callable[[str], bool] | None = None) -> list[str]:
    """One problem for each placeholder that stands inside '...' or "..." quotes and may
    hold more than a plain word: any but PLAIN_WORDS, or those `free` says may (a
    strategy's parameters of type string or env)."""
    may = free or (lambda name: name not in PLAIN_WORDS)
    problems: list[str] = []
    frames = [""]  # the quoting the shell is in at each position, innermost last
    i = 0
    while i < len(template):
        frame, c = frames[-1], template[i]
        placeholder = PLACEHOLDER.match(template, i)
        if placeholder:
            if frame in ("'", '"') and may(placeholder.group(1)):
                problems.append(_inside(placeholder.group(0), frame))
            i = placeholder.end()
            continue
        if frame == "'":
            if c == "'":
                frames.pop()
        elif c == "\\":
            i += 1  # the next character is taken as it is
        elif c == frame and frame in ('"', "`"):
            frames.pop()
        elif template.startswith("$(", i):
            frames.append("$(")
            i += 1
        elif c == "`":
            frames.append("`")
        elif frame != '"' and c in "'\"":
            frames.append(c)
        elif frame in ("$(", "(") and c == ")":
            frames.pop()
        elif frame in CODE and c == "(":
            frames.append("(")
        elif frame in CODE and c == "#" and (i == 0 or template[i - 1] in " \t\n;&|("):
            i = template.find("\n", i)  # a comment, to the end of its line
            if i < 0:
                break
            continue
        i += 1
    return problems


def _inside(placeholder: str, quote: str) -> str:
    return (
        f"{placeholder} is inside {quote}...{quote} quotes: its value is shell-quoted"
        " already, and inside quotes the shell would run what it holds ($(...), `...`)"
        f' and show the quotes; close the quotes before it: echo "status: "{placeholder}'
    )
