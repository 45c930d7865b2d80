"""Command templates: `{{name}}` placeholders, every value checked, then shell-quoted."""

from __future__ import annotations

import re
import shlex
import warnings
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import NamedTuple

from console.model.alike import grouped
from console.model.problems import did_you_mean, quoted

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
# Anything that opens with `{{`: a placeholder, or text that must not reach a shell as is.
OPENING = re.compile(r"\{\{(.*?)(\}\}|$)", re.DOTALL)

TYPE_PATTERNS = {
    "integer": r"-?[0-9]+",
    # 1 to 65535, written as a port is (no sign, no leading zero): what can be connected to
    "port": r"6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}",
    "version": r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}",
    "path": r"[A-Za-z0-9._/+-][A-Za-z0-9._/+@-]{0,1023}",
    "timestamp": (
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?"
        r"(Z|[+-][0-9]{2}:?[0-9]{2})?"
    ),
    "name": r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
    "env": r"[A-Za-z_][A-Za-z0-9_]{0,127}",
}
TYPE_WORDS = {
    "string": "any text",
    "integer": "a whole number",
    "port": "a TCP port, 1 to 65535",
    "version": "a version: letters, digits, '.', '_', '+', '-', starting with a letter or digit",
    "path": "a path: letters, digits, '.', '_', '/', '+', '@', '-'",
    "timestamp": "a timestamp like 2024-05-01T13:45:00.123456Z (at most 6 decimals of a second)",
    "name": "a name: letters, digits, '.', '_', '-', starting with a letter or digit",
    "env": "the name of an environment variable: letters, digits and '_'",
}
# Every command template may name these; the engine fills them in for each host.
IMPLICIT_VALUES = frozenset({"host", "system", "incident"})

Redact = Callable[[str], str]


class ParameterError(ValueError):
    """A parameter value that must not be sent to any host."""


def placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def template_problems(
    template: str, available: Collection[str], what: str = "a value filled in here"
) -> list[str]:
    """What is wrong with the placeholders of `template`, given the names it may use
    (`what` they are): every `{{` must open a well-formed placeholder naming one."""
    problems = []
    for match in OPENING.finditer(template):
        text = match.group(0)
        name = match.group(1).strip()
        if not match.group(2):
            problems.append(f"{quoted(text, 40)} opens a placeholder that is never closed")
        elif not PLACEHOLDER.fullmatch(text):
            hint = did_you_mean(name.lower().replace("-", "_"), available)
            problems.append(
                f"{quoted(text, 40)} is not a placeholder: write {{{{name}}}} with lowercase"
                f" letters, digits and _{hint}"
            )
        elif name not in available:
            problems.append(
                f"{{{{{name}}}}} is not {what}{did_you_mean(name, available)};"
                f" available: {', '.join(sorted(available)) or 'none'}"
            )
    return problems


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a configured regular expression exactly as it will be used, or say why not."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{quoted(pattern)} is not a regular expression: {exc}") from None


def check_extended_regex(pattern: str) -> str:
    """A pattern for `grep -E` on the host: well-formed, without Python-only syntax."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # [[:digit:]] is POSIX; Python warns about it
        compile_pattern(pattern)
    tokens = _regex_tokens(pattern)
    for before, token in zip(["", *tokens], tokens, strict=False):
        if token in ("\\d", "\\D", "\\A", "\\Z"):
            words = f"{token}, which grep -E does not know (use [0-9], ^ or $)"
        elif before == "(" and token == "?":
            words = "'(?', Python-only syntax that grep -E does not know"
        elif before in ("*", "+", "?", "}") and token == "?":
            words = f"the lazy quantifier '{before}?', which grep -E does not know"
        else:
            continue
        raise ValueError(f"{quoted(pattern)} uses {words}; it runs as grep -E on the host")
    return pattern


def _regex_tokens(pattern: str) -> list[str]:
    """Escapes as two characters, a bracket expression as one token, else characters."""
    tokens, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            tokens.append(pattern[i : i + 2])
            i += 2
        elif pattern[i] == "[":
            j = i + 1
            j += pattern.startswith("^", j)
            j += pattern.startswith("]", j)
            while j < len(pattern) and pattern[j] != "]":
                close = pattern.find(":]", j + 2) if pattern.startswith("[:", j) else -1
                j = close + 2 if close >= 0 else j + 1
            tokens.append(pattern[i : j + 1])
            i = j + 1
        else:
            tokens.append(pattern[i])
            i += 1
    return tokens


# A pattern longer than this reads as noise in one line (a preset's `expect`, `tables`):
# the parameter's description says what it takes instead.
READABLE_PATTERN = 60

# What a preset's pattern takes, in a few words with an example (presets.base.param's
# `takes`): said in its place, never a regular expression nor the whole description, which
# the picker shows above the field (a refusal repeating it wrapped over the field at 80x24).
PATTERN_WORDS: dict[str, str] = {}


def allowed_form(type_: str, pattern: str | None, words: str = "", takes: str = "") -> str:
    """The values a parameter takes, in words (a pattern `|X` allows empty text too);
    `words`, its description, in place of a pattern too long to read; `takes`, what its
    configuration says its pattern takes, in place of any."""
    if pattern and takes:
        return takes
    if pattern and (said := _pattern_words(pattern) or _simple_words(pattern)):
        return said
    if pattern and words and len(pattern) > READABLE_PATTERN:
        return f"what it takes: {words}"
    if pattern and pattern.startswith("|"):
        return f"empty or {allowed_form(type_, pattern[1:])}"
    if pattern and type_ == "string":
        return f"text matching {pattern}"
    words = TYPE_WORDS.get(type_, type_)
    return f"{words}, matching {pattern}" if pattern else words


_DIGITS = re.compile(r"\[0-9\](?:\{([0-9]+)(?:,([0-9]+))?\}|(\+))")
_LITERALS = re.compile(r"[A-Za-z0-9_-]+(\|[A-Za-z0-9_-]+)+")


def _simple_words(pattern: str) -> str | None:
    """A pattern read out, where it is simple enough to say: digits (`[0-9]{1,4}`: 'a whole
    number of 1 to 4 digits'), or words to choose from (`PATCH|PUT`: 'PATCH or PUT');
    None for any other (the preset's or configuration's own regular expression)."""
    if digits := _DIGITS.fullmatch(pattern):
        least, most, any_ = digits.groups()
        if any_:
            return "a whole number (digits only)"
        if most is None or least == most:
            return f"a whole number of {least} digit{'' if least == '1' else 's'}"
        return f"a whole number of {least} to {most} digits"
    if _LITERALS.fullmatch(pattern):
        *first, last = pattern.split("|")
        return f"{', '.join(first)} or {last}"
    return None


def _pattern_words(pattern: str) -> str | None:
    """PATTERN_WORDS' words for `pattern`; the presets are made first where they were not
    (each registers its words as it is made, at its first use: a configuration made from
    the validated-configuration cache made none, and a refusal read 'is not what it takes:
    ...', the whole description, from a command's second run on)."""
    if pattern not in PATTERN_WORDS:
        from console.model.presets import all_presets

        all_presets()
    return PATTERN_WORDS.get(pattern)


def value_problem(
    value: str, type_: str, pattern: str | None, words: str = "", takes: str = ""
) -> str | None:
    """Why `value` may not be sent as a parameter of this type and pattern, or None. A
    value that starts with '-' could be read as an option: only a pattern may allow it."""
    if "\x00" in value:
        return "contains a NUL byte"

    def form() -> str:  # only when refused: the presets' words may be made for it
        return allowed_form(type_, pattern, words, takes)

    type_pattern = TYPE_PATTERNS.get(type_)
    if type_ == "timestamp" and (zone := _zone_problem(value, pattern)):
        return zone
    if type_pattern and not re.fullmatch(type_pattern, value):
        return f"{quoted(value)} is not {form()}"
    if type_ == "timestamp" and (when := _not_a_time(value)):
        return f"{quoted(value)} is no real date and time ({when})"
    if pattern and not re.fullmatch(pattern, value):
        return f"{quoted(value)} is not {form()}"
    if value.startswith("-") and not pattern:
        return (
            f"{quoted(value)} starts with '-' and could be read as an option; allowed:"
            f" {form()}, not starting with '-' (a parameter's own pattern may allow it)"
        )
    return None


# A timestamp's date and time, without the zone after them.
_DATE_TIME = re.compile(TYPE_PATTERNS["timestamp"].split("(Z|")[0])
_ZONE = "Z|[+-][0-9]{2}:?[0-9]{2}"


def _zone_problem(value: str, pattern: str | None) -> str | None:
    """A date and time whose zone is missing where the parameter needs one, or is not an
    offset (`CET`, `+01`, `Europe/Berlin`): said as such, with the forms it takes, never
    as the pattern. None for anything else (said as a value of the wrong form)."""
    when = _DATE_TIME.match(value)
    if when is None:
        return None
    rest = value[when.end() :]
    if rest[:1].isdigit():  # a seventh decimal of a second, not a zone: said as the form
        return None
    at = when.group(0)
    if not rest and pattern and not re.fullmatch(pattern, value):
        return (
            f"{quoted(value)} has no time zone: write {at}Z for UTC, or the offset from UTC"
            f" of the zone meant ({at}+01:00)"
        )
    if rest and not re.fullmatch(_ZONE, rest):
        return (
            f"{quoted(value)}: {quoted(rest.strip())} is not a zone this takes: write"
            f" {at}Z for UTC, or the offset from UTC of the zone meant ({at}+01:00)"
        )
    return None


def _not_a_time(value: str) -> str | None:
    """Why a value of the timestamp form names no real time (February 30th, 25:00)."""
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        if "offset" in str(exc):  # Python's words name its timedelta repr
            return "a zone offset is less than 24 hours"
        return str(exc)
    return None


def check_value(
    name: str, value: str, type_: str, pattern: str | None, words: str = "", takes: str = ""
) -> str:
    """Return the value if it may be sent, else raise naming the parameter (`words`: its
    description)."""
    problem = value_problem(value, type_, pattern, words, takes)
    if problem:
        raise ParameterError(f"parameter {name!r}: {problem}")
    return value


def render(template: str, values: Mapping[str, str]) -> str:
    """Substitute every placeholder with its shell-quoted value; a `{{` that is not a
    placeholder with a value stops here, never reaching a shell."""
    problems = template_problems(template, values.keys())
    if problems:
        raise ParameterError(problems[0])
    return PLACEHOLDER.sub(lambda m: shlex.quote(str(values[m.group(1)])), template)


def in_workdir(command: str, workdir: str | None) -> str:
    """Run `command` from `workdir`; if the directory is missing, nothing else runs."""
    if not workdir:
        return command
    return f"cd -- {_directory(workdir)} || exit {WORKDIR_EXIT}\n{command}"


WORKDIR_EXIT = 97  # in_workdir's `cd` failed: nothing of the command ran
WORKDIR_LINE = re.compile(rf"\Acd -- (.+) \|\| exit {WORKDIR_EXIT}\n")


def not_entered(command: str, exit_status: int | None, last_error: str) -> str | None:
    """The work directory (as sent) that `command` could not enter: it exited
    WORKDIR_EXIT after `in_workdir`'s `cd`, its last error line the shell's `cd` refusal
    (`sh: 1: cd: can't cd to /srv/app`, naming the directory); else None (a command's own
    exit 97: one whose last error line merely held the letters "cd", `rsync: change_dir
    "/srv/cdn" failed`, read 'could not be entered; nothing of the command ran')."""
    found = WORKDIR_LINE.match(command)
    if exit_status != WORKDIR_EXIT or not found or not _CD_REFUSED.search(last_error):
        return None
    name = PurePosixPath(shlex.split(found.group(1))[0]).name  # `~/app`: the shell's /home/u/app
    return found.group(1) if name in ("", "~") or name in last_error else None


_CD_REFUSED = re.compile(r"(^|[\s:])cd:")  # dash, bash, zsh, busybox: the `cd` builtin's words


def headline(command: str) -> tuple[str, int]:
    """A command said in one line: its first line after the `cd -- DIR || exit 97` that
    `in_workdir` puts first (every command of a host with a workdir would else read as
    that `cd`), and how many lines follow it."""
    lines = WORKDIR_LINE.sub("", command.strip(), count=1).strip().splitlines()
    return (lines[0], len(lines) - 1) if lines else ("", 0)


def _directory(workdir: str) -> str:
    """`workdir` as the host's shell reads it: `~` and `~/...` left for it to expand (the
    login's home, as people write it; quoted whole, it was a directory named `~`)."""
    if workdir == "~" or workdir.startswith("~/"):
        rest = workdir[2:]
        return "~/" + shlex.quote(rest) if rest else "~"
    return shlex.quote(workdir)


class RenderedCommand(NamedTuple):
    """One command for one host, twice. `sent` goes to the host and nowhere else;
    `shown` has every secret masked and is all that the journal, screens, stdout and the
    dry run ever get (str() and repr() give it too, so a careless print shows no secret).
    A NamedTuple: a frozen dataclass cost ~2.2 M instructions more to define (issue 18)."""

    sent: str
    shown: str

    def __repr__(self) -> str:
        return f"RenderedCommand(shown={self.shown!r})"

    @property
    def masked(self) -> bool:
        """Whether `shown` hides something the host receives."""
        return self.sent != self.shown

    def __str__(self) -> str:
        return self.shown

    @classmethod
    def typed(cls, command: str, workdir: str | None, redact: Redact) -> RenderedCommand:
        """A command run exactly as a person typed it (ad-hoc, exec)."""
        sent = in_workdir(command, workdir)
        return cls(sent, redact(sent))


def render_command(
    template: str, values: Mapping[str, str], workdir: str | None, redact: Redact
) -> RenderedCommand:
    """Render `template` for the host with the real values, and for the record with
    each value masked before it is quoted: a quoted secret (`'it'"'"'s'`) no longer
    reads as the configured value, so masking only the finished command would miss it."""
    sent = in_workdir(render(template, values), workdir)
    masked = {name: redact(str(value)) for name, value in values.items()}
    return RenderedCommand(sent, redact(in_workdir(render(template, masked), workdir)))


Commands = list[tuple[str, RenderedCommand]]  # (stage, command), in the order they run


def alike(per_host: Mapping[str, Commands]) -> list[tuple[list[str], Commands]]:
    """Hosts that get identical commands (the secrets too) together, in the order they
    first appear: what a dry run or a preview shows once for all of them."""
    as_one = {host: tuple(commands) for host, commands in per_host.items()}
    return [(hosts, list(commands)) for hosts, commands in grouped(as_one)]
