"""Command templates: `{{name}}` placeholders, every value shell-quoted."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")

TYPE_PATTERNS = {
    "integer": r"-?[0-9]+",
    "version": r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}",
    "path": r"[A-Za-z0-9._/+-][A-Za-z0-9._/+@-]{0,1023}",
    "timestamp": (
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?"
        r"(Z|[+-][0-9]{2}:?[0-9]{2})?"
    ),
    "name": r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
    "env": r"[A-Za-z_][A-Za-z0-9_]{0,127}",
}


Redact = Callable[[str], str]


class ParameterError(ValueError):
    """A parameter value that must not be sent to any host."""


def placeholders(template: str) -> set[str]:
    return set(PLACEHOLDER.findall(template))


def check_value(name: str, value: str, type_: str, pattern: str | None) -> str:
    """Return the value if it matches its type and pattern, else raise."""
    if "\x00" in value:
        raise ParameterError(f"parameter {name!r} contains a NUL byte")
    type_pattern = TYPE_PATTERNS.get(type_)
    if type_pattern and not re.fullmatch(type_pattern, value):
        raise ParameterError(f"parameter {name!r}={value!r} is not a valid {type_}")
    if pattern and not re.fullmatch(pattern, value):
        raise ParameterError(f"parameter {name!r}={value!r} does not match {pattern!r}")
    return value


def render(template: str, values: Mapping[str, str]) -> str:
    """Substitute every placeholder with its shell-quoted value."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ParameterError(f"parameter {name!r} has no value")
        return shlex.quote(str(values[name]))

    return PLACEHOLDER.sub(substitute, template)


def in_workdir(command: str, workdir: str | None) -> str:
    """Run `command` from `workdir`; if the directory is missing, nothing else runs."""
    if not workdir:
        return command
    return f"cd -- {shlex.quote(workdir)} || exit 97\n{command}"


@dataclass(frozen=True)
class RenderedCommand:
    """One command for one host, twice. `sent` goes to the host and nowhere else;
    `shown` has every secret masked and is all that the journal, screens, stdout and the
    dry run ever get (str() gives it too, so a careless print shows no secret)."""

    sent: str = field(repr=False)
    shown: str

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
