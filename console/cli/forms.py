"""`run`'s answers for the end of the procedure: the post-rollback fields (`--form`,
`--form-file`) and the outcome to close with (`--outcome`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from console.cli.parser import UsageError
from console.model.outcome import CHOSEN, Outcome
from console.model.problems import did_you_mean
from console.model.procedure import FormField
from console.model.review import FieldError, FieldValue, check_field


def _form_field(name: str, where: str) -> FormField:
    try:
        return FormField(name.strip())
    except ValueError:
        hint = did_you_mean(name.strip(), [f.value for f in FormField])
        known = ", ".join(FormField)
        raise UsageError(f"{where}: unknown field {name!r}{hint}; fields: {known}") from None


def _form_value(field: FormField, value: object, where: str) -> FieldValue:
    """Checked as the console's form checks it: a date-time normalised, action items as
    rows (`ACTION | TYPE | OWNER | PRIORITY | DUE | TICKET`, or tables in a form file)."""
    try:
        return check_field(field, value)
    except FieldError as exc:
        raise UsageError(f"{where}: {field.value}: {exc}") from None


def _line_of_key(text: str, name: str) -> int:
    key = re.compile(r'\s*"?' + re.escape(name) + r'"?\s*=')
    return next((n for n, line in enumerate(text.splitlines(), 1) if key.match(line)), 0)


def form_values(items: list[str], file: str | None) -> dict[FormField, FieldValue]:
    """The post-rollback fields of `--form-file`, then of `--form` (which wins)."""
    values: dict[FormField, FieldValue] = {}
    if file:
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
            data = tomllib.loads(text)
        except OSError as exc:
            raise UsageError(f"--form-file {file}: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{file}: {exc}") from None
        for name, value in data.items():
            line = _line_of_key(text, name)
            where = f"{file}:{line}" if line else file
            field = _form_field(name, where)
            values[field] = _form_value(field, value, where)
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--form {item!r}: expected FIELD=VALUE")
        field = _form_field(name, "--form")
        values[field] = _form_value(field, value, "--form")
    return values


def parse_outcome(text: str) -> tuple[Outcome, str]:
    """`--outcome not-needed:the errors were a load test`: the outcome and its detail."""
    name, _, detail = text.partition(":")
    try:
        outcome = Outcome(name.strip())
    except ValueError:
        outcome = None
    if outcome not in CHOSEN:
        known = ", ".join(o.value for o in CHOSEN)
        hint = did_you_mean(name.strip(), [o.value for o in CHOSEN])
        raise UsageError(f"--outcome {name.strip()!r}: expected one of {known}{hint}")
    if outcome.needs in ("reason", "to") and not detail.strip():
        what = "whom it was handed to" if outcome.needs == "to" else "a reason"
        raise UsageError(f"--outcome {outcome.value} needs {what}: {outcome.value}:DETAIL")
    return outcome, detail.strip()
