"""Command templates: `{{name}}` placeholders, every value shell-quoted."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")

TYPE_PATTERNS = {
    "integer": r"-?[0-9]+",
    "version": r"[A-Za-z0-9][A-Za-z0-9._+-]{0,127}",
    "path": r"[A-Za-z0-9._/+-][A-Za-z0-9._/+@-]{0,1023}",
    "timestamp": (
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?"
        r"(Z|[+-][0-9]{2}:?[0-9]{2})?"
    ),
    "name": r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}",
}


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
