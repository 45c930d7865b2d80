"""Configuration problems: one line each, `file:line: key.path: what is wrong`."""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    NamedTuple,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from console.model.frozen import Frozen
from console.model.later import Later

if TYPE_CHECKING:  # pydantic is imported where its errors are made or read (issue 18)
    from pydantic import ValidationError

Loc = tuple[str | int, ...]
QUOTE_LIMIT = 80


class ConfigProblem(NamedTuple):
    """One readable configuration error: file, key path, line and message."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"


class ConfigError(Exception):
    """The configuration cannot be used; `problems` says why, one line each."""

    def __init__(self, problems: list[ConfigProblem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class Finding(NamedTuple):
    """A problem located in the configuration document (part, key path), before the
    file and line are known. A warning is said, and does not stop a run."""

    part: str
    loc: Loc
    message: str
    warning: bool = False


def located_error(title: str, problems: Sequence[tuple[Loc, str]]) -> ValidationError:
    """A ValidationError whose errors sit at `loc` inside the model raising it: pydantic
    prefixes the location as the error travels up, so the loader can find the line."""
    from pydantic import ValidationError
    from pydantic_core import InitErrorDetails

    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(type="value_error", loc=loc, input=None, ctx={"error": message})
            for loc, message in problems
        ],
    )


def used_twice(names: Sequence[str], key: str, what: str) -> list[tuple[Loc, str]]:
    """`what name 'x' is used twice`, at each name of the list `key` already used before."""
    return [
        ((key, i, "name"), f"{what} name {name!r} is used twice")
        for i, name in enumerate(names)
        if name in names[:i]
    ]


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """`value` in quotes, cut to `limit` characters with an ellipsis."""
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + "…")


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice most like `word` (difflib's ratio at least `cutoff`), or None."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(
    word: str,
    choices: Iterable[str],
    cutoff: float = 0.6,
    shown: Callable[[str], str] = repr,
) -> str:
    """' (did you mean 'x'?)' for the closest choice (as `shown` spells it), or ''."""
    close = closest(word, choices, cutoff)
    return "" if close is None else f" (did you mean {shown(close)}?)"


def key_path(loc: Loc) -> str:
    """`systems[0].hosts[1].name` from ('systems', 0, 'hosts', 1, 'name')."""
    out = ""
    for item in loc:
        out += f"[{item}]" if isinstance(item, int) else ("." if out else "") + str(item)
    return out


# Field patterns, said in words.
PATTERN_WORDS = {
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$": (
        "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 63"
    ),
    r"^[a-z0-9][a-z0-9-]{0,62}$": "lowercase letters, digits and '-', at most 63",
    r"^[a-z_][a-z0-9_]*$": "lowercase letters, digits and '_', not starting with a digit",
    r"^https?://\S+$": "an http:// or https:// URL without spaces",
    r"^[A-Za-z0-9:][A-Za-z0-9._:%-]{0,252}$": (
        "a host name or IP address: letters, digits, '.', '_', '-' (and an IPv6 address's"
        " ':' and '%')"
    ),
}

# pydantic's error type for a number beyond its bound: the words and its context's key
BOUNDS = {
    "greater_than": ("more than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
}


def validation_findings(exc: ValidationError, root: type) -> list[Finding]:
    """Each pydantic error of `root` (Settings) as a Finding: its part is the first
    element of the location, the rest is the key path inside that part's file."""
    errors = [
        (tuple(i for i in error["loc"] if isinstance(i, int) or _is_key(i)), error)
        for error in exc.errors()
    ]
    # A strategy whose kind is wrong brings no preset: its missing commands follow from it.
    wrong_kind = {loc[:-1] for loc, _ in errors if loc and loc[-1] == "kind"}
    findings = []
    for loc, error in errors:
        if error["type"] == "missing" and loc[-1:] == ("commands",) and loc[:-1] in wrong_kind:
            continue
        part, rest = (str(loc[0]), loc[1:]) if loc else ("", ())
        findings.append(Finding(part, rest, _message(error, root, loc)))
    return findings


def _is_key(item: object) -> bool:
    """Pydantic puts validator and union names in locations; keep only real keys."""
    return isinstance(item, str) and not re.search(r"[\[\](),]", item)


def _message(error: Any, root: type, loc: Loc) -> str:
    kind = error["type"]
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):  # a model's, a record's
        hint = _elsewhere(root, loc) or did_you_mean(str(loc[-1]), _fields_at(root, loc[:-1]))
        return "unknown key" + hint
    if kind == "missing":
        return "is required"
    if kind == "dataclass_type":  # in a model's words (a table given a value, or a list)
        return f"Input should be a valid dictionary or instance of {error['ctx']['class_name']}"
    if kind in ("enum", "literal_error"):
        choices = re.findall(r"'([^']*)'", error.get("ctx", {}).get("expected", ""))
        value = str(error.get("input"))
        return f"{quoted(value)} is not one of: {', '.join(choices)}" + did_you_mean(value, choices)
    if kind in ("int_type", "float_type") and isinstance(error.get("input"), str):
        number = "an integer" if kind == "int_type" else "a number"
        return f"{quoted(error['input'])} is a string: write {number}, without quotes"
    if kind == "string_type" and isinstance(error.get("input"), int | float):
        # `default = 1.10`, a version unquoted: TOML reads the number 1.1
        value = error["input"]
        said = "true or false" if isinstance(value, bool) else f"a number (TOML reads {value!r})"
        return f"is {said}, not text: write it in quotes"
    if kind == "int_type" and isinstance(error.get("input"), float):
        return f"{error['input']!r} is not an integer: write it without a fraction"
    if kind == "list_type" and isinstance(error.get("input"), str):  # one value, unbracketed
        value = error["input"]
        written = json.dumps([value]) if len(value) <= QUOTE_LIMIT else '["..."]'
        return f"{quoted(value)} is a string: write a list, {written}"
    if kind == "list_type":
        return "must be a list: [...]"
    if kind in ("too_short", "too_long"):  # a list: [[systems]], [[strategies]], ...
        ctx = error.get("ctx", {})
        bound = ctx.get("min_length" if kind == "too_short" else "max_length", 0)
        has = ctx.get("actual_length") or "none"
        entries = f"{bound} entr{'y' if bound == 1 else 'ies'}"
        return (
            f"needs at least {entries}, has {has}"
            if kind == "too_short"
            else (f"takes at most {entries}, has {has}")
        )
    if kind == "string_too_short":
        least = error.get("ctx", {}).get("min_length", 1)
        return "must not be empty" if least == 1 else f"needs at least {least} characters"
    if kind in BOUNDS:  # a number beyond its bound: say the bound, then what was written
        words, key = BOUNDS[kind]
        bound = error["ctx"][key]  # 100, not 100.0, as written in the docs
        bound = int(bound) if isinstance(bound, float) and bound.is_integer() else bound
        return f"must be {words} {bound} (is {error['input']!r})"
    if kind == "finite_number":
        return "must be a finite number (not inf or nan)"
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        words = PATTERN_WORDS.get(pattern, f"text matching {pattern}")
        return f"{quoted(error.get('input'))} is not valid: use {words}"
    return str(error["msg"]).removeprefix("Value error, ")


def _elsewhere(root: type, loc: Loc) -> str:
    """' in [[systems]]: a key of [[systems.hosts]]' when a table near this one (its own,
    its sub-tables, its siblings) takes the key: `port` under [[systems]], `strategies`
    below a [[systems.hosts]], `workdir` in [ssh]."""
    here = _names(loc[:-1])
    near = [
        names
        for names, keys in _tables(root, loc[:1])
        if loc[-1] in keys
        and names != here
        and (names[:-1] == here[:-1] or _within(names, here) or _within(here, names))
    ]
    if not near:
        return ""
    said = " and ".join(_header(root, names) or "the top of the file" for names in near)
    where = _header(root, loc[:-1]) or "the top of the file"
    if len(near) == 1 and _within(here, near[0]):
        first = "the first " if where.startswith("[[") else ""
        return (  # written below a sub-table's header: TOML gives it to that sub-table
            f" in {where}: a key of {said}: move it above {first}{where} (TOML gives a key"
            " to the last table header above it)"
        )
    return f" in {where}: a key of {said}"


def _names(loc: Loc) -> Loc:
    return tuple(item for item in loc if not isinstance(item, int))


def _within(inner: Loc, outer: Loc) -> bool:
    """Whether the table `inner` lies inside the table `outer` (names only)."""
    return len(inner) > len(outer) and inner[: len(outer)] == outer


def _tables(root: type, loc: Loc, depth: int = 0) -> list[tuple[Loc, list[str]]]:
    """Each table of the file that `loc` (a part of Settings) starts: its names and keys."""
    fields = _fields_of(_model_at(root, loc))
    found = [(loc, list(fields))]
    for name, annotation in fields.items():
        inner = _inner_model(annotation)
        if depth < 4 and _is_model(inner):
            found += _tables(root, (*loc, name), depth + 1)
    return found


def _header(root: type, loc: Loc) -> str:
    """The TOML header of the table at `loc`: `[[systems.hosts]]`, `[ssh]`, '' (the top
    of its file); the part names no table unless it is a list ([[strategies]])."""
    names: list[str] = []
    listed: list[bool] = []
    model: Any = root
    for item in loc:
        annotation = None if isinstance(item, int) else _fields_of(model).get(item)
        if annotation is not None:
            names.append(str(item))
            listed.append(_is_list(annotation))
            model = _inner_model(annotation)
    if names and not listed[0]:
        names, listed = names[1:], listed[1:]
    if not names:
        return ""
    return f"[[{'.'.join(names)}]]" if listed[-1] else f"[{'.'.join(names)}]"


def _is_list(annotation: Any) -> bool:
    """Whether `annotation` is a list (inside Annotated or `| None`): an array of tables."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_list(get_args(annotation)[0])
    return origin is list or (
        origin in (Union, UnionType) and any(_is_list(arg) for arg in get_args(annotation))
    )


def _model_at(root: type, loc: Loc) -> Any:
    """The model at `loc`, or what stands there when it is not one."""
    model: Any = root
    for item in loc:
        if isinstance(item, int):
            continue
        annotation = _fields_of(model).get(item)
        if annotation is None:
            return None
        model = _inner_model(annotation)
    return model


def _fields_at(root: type, loc: Loc) -> list[str]:
    """The keys the model at `loc` accepts (for 'did you mean')."""
    return list(_fields_of(_model_at(root, loc)))


def _is_model(annotation: Any) -> bool:
    """A pydantic model or a configuration record (console/model/frozen.py)."""
    from pydantic import BaseModel

    return isinstance(annotation, type) and (
        issubclass(annotation, BaseModel) or issubclass(annotation, Frozen)
    )


def _fields_of(model: Any) -> dict[str, Any]:
    """A model's or a record's keys, each with its annotation; {} for anything else."""
    from pydantic import BaseModel

    if isinstance(model, type) and issubclass(model, BaseModel):
        return {name: field.annotation for name, field in model.model_fields.items()}
    if _is_model(model):
        hints = get_type_hints(model, include_extras=True)
        return {field.name: hints[field.name] for field in dataclasses.fields(model)}
    return {}


def _inner_model(annotation: Any) -> Any:
    """The model inside `list[M]`, `M | None` and the like (M may be built later: later.py),
    else the annotation."""
    if _is_model(annotation):
        return annotation
    for marker in getattr(annotation, "__metadata__", ()):
        if isinstance(marker, Later):
            return marker.model
    for arg in getattr(annotation, "__args__", ()):
        inner = _inner_model(arg)
        if _is_model(inner):
            return inner
    return annotation
