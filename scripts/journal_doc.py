"""docs/journal.md's table of event kinds, written from the payload models
(console/model/payloads), so the two cannot drift: `python scripts/journal_doc.py`
rewrites the table, `--check` exits 1 if the file says anything else (the tests run it)."""

from __future__ import annotations

import enum
import sys
import types
import typing
from pathlib import Path
from typing import Any

from typing_extensions import is_typeddict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.model.payloads import all_models

DOC = Path(__file__).resolve().parent.parent / "docs" / "journal.md"
BEGIN = "<!-- kinds: written by scripts/journal_doc.py from console/model/payloads -->"
END = "<!-- end of kinds -->"


def type_name(annotation: Any) -> str:
    """A field's type as the JSON in the line holds it."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        said = [type_name(a) for a in args if a is not type(None)]
        if "number" in said:  # an integer is a number too
            said = [t for t in said if t != "integer"]
        return " or ".join(dict.fromkeys(said))
    if origin is list:
        return f"[{type_name(args[0])}]"
    if origin is dict:
        value = type_name(args[1])
        return "object" if value == "any" else f"{{string: {value}}}"
    if is_typeddict(annotation):
        return "{" + ", ".join(annotation.__annotations__) + "}"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " / ".join(f"`{m.value}`" for m in annotation)
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(annotation, "any")


def row(model: type[Any]) -> str:
    summary = " ".join((model.__doc__ or "").split())  # a wrapped docstring's indent too
    fields = []
    for name, field in model.reader().model_fields.items():
        key = field.alias or name
        need = "" if field.is_required() else ", optional"
        fields.append(f"`{key}` ({type_name(field.annotation)}{need}): {field.description}")
    return f"| `{model.KIND}` | {summary} {'; '.join(fields)} |"


def table() -> str:
    lines = [BEGIN, "", "| kind | what it records; its data |", "|---|---|"]
    lines += [row(m) for m in all_models()]
    return "\n".join([*lines, "", END])


def rewritten(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + table() + text[end:]


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    fresh = rewritten(text)
    if "--check" in argv:
        if fresh != text:
            print(f"{DOC}: its table of kinds is not the models': run {__file__}")
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
