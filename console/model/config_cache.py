"""The validated-configuration cache (issue 18): a configuration validated once is made
again from plain data, without parsing, validating or importing pydantic.

One file in the state dir (the caller names it: the model does not know where that is),
JSON of the validated records, each object tagged with its class; only console/model's
record and enum classes are made from it (records by `__new__` and their fields),
nothing validated again, and only a value of the root's class is taken. A pydantic model
built at its first use (later.py: automatic triggers, drill scenarios) is kept as its JSON
and validated again by its own model when the file has one. It is read only if it is
a regular file owned by this user and writable by no one else: it holds the commands
sent to hosts, so it is exactly as trusted as the configuration directory.

Its key is a SHA-256 of everything validation reads: the configuration directory's
absolute path (journal_dir and lock_dir are anchored to it), the bytes of each file the
loader reads (or what stood in their place), the names of its `*.toml`/`*.tml` files
(the misnamed-file check), the console's version, the model's source files (each
one's size and times), pydantic's and pydantic_core's versions (from their files, not
imported) and Python's. Anything else is a miss: a corrupt, foreign or group-writable
file is rewritten.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import os
import sys
from enum import Enum
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from console import __version__
from console.model.frozen import Frozen
from console.model.kept_file import read_kept, write_kept

# Tags no field is named by (a field is a Python name).
_CLASS, _ENUM, _MODEL, _VALUE = "!record", "!enum", "!model", "!value"
_MODEL_SOURCES = Path(__file__).parent


def cache_key(directory: Path, files: dict[str, bytes | str], names: list[str]) -> str:
    """The key of a configuration: `files`, each file's bytes or what stood in its place
    ("absent", "dangling link", ...: a str), as the loader then parses them."""
    digest = hashlib.sha256()
    parts: list[str | bytes] = [str(directory.absolute()), *names]
    for name, data in sorted(files.items()):
        parts += [name, data if isinstance(data, bytes) else f"<{data}>"]
    parts += [__version__, sys.version, _code_hash(), *_pydantic_files()]
    for part in parts:
        chunk = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        digest.update(len(chunk).to_bytes(8, "big") + chunk)
    return digest.hexdigest()


def _code_hash() -> str:
    """Every console/model source by path and what `stat` says changes with any write:
    size, times to the nanosecond, inode, device. The change time (`st_ctime_ns`) is the
    kernel's clock, which no program sets (`touch -d`, `cp -p`, a restored mtime leave
    it moved): an edit that keeps a file's size and mtime is still a miss; Python's own
    bytecode cache trusts the mtime's second and the size alone. (The sources' bytes
    hashed instead: SHA-256 ~1.4 ms and ~21 M instructions a load, blake2b ~1.7 ms and
    ~12 M; this ~0.4 ms and ~2.6 M, issue 18.)"""
    digest = hashlib.sha256()
    root = str(_MODEL_SOURCES)
    for folder, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if f != "__pycache__")
        for name in sorted(n for n in names if n.endswith(".py")):
            path = os.path.join(folder, name)
            info = os.stat(path)
            stamp = f"{path} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}"
            digest.update(
                f"{stamp} {info.st_ino} {info.st_dev}\n".encode("utf-8", "surrogateescape")
            )
    return digest.hexdigest()


def _pydantic_files() -> list[str | bytes]:
    """pydantic's version file (its version and the pydantic_core it needs) and what
    pydantic_core's directory holds, each file's name, size and time: not imported."""
    found: list[str | bytes] = []
    for package, read in (("pydantic", "version.py"), ("pydantic_core", "")):
        spec = find_spec(package)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is None:
            found.append(f"{package} absent")
            continue
        if read:
            found.append((origin.parent / read).read_bytes())
            continue
        for entry in sorted(os.scandir(origin.parent), key=lambda e: e.name):
            if entry.is_file():
                info = entry.stat()
                found.append(f"{entry.name} {info.st_size} {info.st_mtime_ns}")
    return found


def _made(tag: str, kind: type) -> Any:
    """The class of `kind` (a record, an enum, a pydantic model) that `tag` names, if it is
    one of console/model's: the only classes the cache makes (KeyError: another)."""
    module, _, name = tag.partition(":")
    if module.startswith("console.model."):
        found = getattr(importlib.import_module(module), name, None)
        if isinstance(found, type) and issubclass(found, kind):
            return found
    raise KeyError(tag)


def _tag(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


class NotCacheable(Exception):
    """A value the cache cannot hold as plain data."""


def encoded(value: Any) -> Any:
    """`value` (records, enums, models built later, lists, dicts of str, JSON's scalars)
    as JSON's data."""
    if hasattr(type(value), "model_dump"):  # a pydantic model: not imported for the test
        return {_MODEL: _tag(type(value)), _VALUE: value.model_dump(mode="json")}
    if isinstance(value, Enum):
        return {_ENUM: _tag(type(value)), _VALUE: value.value}
    if isinstance(value, Frozen):
        fields = dataclasses.fields(value)  # type: ignore[arg-type]
        return {
            _CLASS: _tag(type(value)),
            **{f.name: encoded(getattr(value, f.name)) for f in fields},
        }
    if isinstance(value, list):
        return [encoded(item) for item in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {_VALUE: {k: encoded(v) for k, v in value.items()}}
    if value is None or type(value) in (str, int, float, bool):
        return value
    raise NotCacheable(type(value).__name__)


def decoded(data: Any) -> Any:
    """What `encoded` gave, made again (KeyError: a class the cache does not make)."""
    if isinstance(data, list):
        return [decoded(item) for item in data]
    if not isinstance(data, dict):
        return data
    if _CLASS not in data:
        if _ENUM in data:
            return _made(data[_ENUM], Enum)(data[_VALUE])
        if _MODEL in data:
            model = _made(data[_MODEL], _pydantic_model())
            return model.model_validate(data[_VALUE])
        return {k: decoded(v) for k, v in data[_VALUE].items()}
    cls: Any = _made(data[_CLASS], Frozen)
    record = cls.__new__(cls)
    for field in dataclasses.fields(cls):
        object.__setattr__(record, field.name, decoded(data[field.name]))
    return record


def _pydantic_model() -> type:
    """pydantic's BaseModel: a model built later (later.py) is one, imported with it."""
    from pydantic import BaseModel

    return BaseModel


def read_cached(path: Path, key: str, root: type) -> Any | None:
    """The `root` record kept under `key`, or None: absent, another key, not this user's
    own regular file, writable by others, or not what `keep` writes."""
    kept = read_kept(path)
    try:
        if kept is None or kept["key"] != key:
            return None
        value = decoded(kept["value"])
        return value if isinstance(value, root) else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def keep(path: Path, key: str, value: Any) -> None:
    """`value` kept under `key` (written to a name of its own, then renamed: a reader sees
    the old file or the new one whole); nothing when it holds what the cache cannot, or
    when its directory (the state dir, made by the first journal) is not there yet."""
    try:
        write_kept(path, {"key": key, "value": encoded(value)})
    except NotCacheable:
        return
