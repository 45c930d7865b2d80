"""Phase marks for callgrind: on PYTHONPATH (this directory), with MARK_LOG=FILE, every
module import, dataclass and pydantic model class made, and pydantic model rebuilt, is
bracketed by two calls of os.getppid, each a callgrind dump under
`--dump-before=os_getppid`; FILE lists (start|end, name, mark number). With
STOP_AT_CONNECT=1 the process ends at its first socket connect (marked), as exec's
start-up ends there. `python bench/marks/report.py DIR NAME` reads them.

    valgrind --tool=callgrind --dump-instr=no --dump-before=os_getppid \\
        --callgrind-out-file=DIR/cg.out python -m console exec ...
"""

import os
import socket

_LOG = os.environ.get("MARK_LOG")
_marks: list[tuple[str, str, int]] = []


def _mark(event: str, name: str) -> None:
    os.getppid()
    _marks.append((event, name, len(_marks) + 1))


def _write() -> None:
    if _LOG:
        with open(_LOG, "w") as out:
            out.writelines(f"{e}\t{n}\t{k}\n" for e, n, k in _marks)


def _bracket(label, call, *args, **kwargs):
    _mark("start", label)
    try:
        return call(*args, **kwargs)
    finally:
        _mark("end", label)


def _wrap(module) -> None:
    """Bracket what the freshly imported `module` makes, if it is one that makes classes."""
    if module.__name__ == "dataclasses":
        made = module._process_class
        module._process_class = lambda cls, *a, **k: _bracket(
            f"D:{cls.__module__}.{cls.__qualname__}", made, cls, *a, **k
        )
    elif module.__name__ == "pydantic._internal._model_construction":
        meta = module.ModelMetaclass
        new = meta.__new__
        meta.__new__ = lambda mcs, name, bases, ns, *a, **k: _bracket(
            f"M:{ns.get('__module__')}.{name}", new, mcs, name, bases, ns, *a, **k
        )
    elif module.__name__ == "pydantic.main":
        rebuild = module.BaseModel.model_rebuild.__func__
        module.BaseModel.model_rebuild = classmethod(
            lambda cls, *a, **k: _bracket(
                f"R:{cls.__module__}.{cls.__qualname__}", rebuild, cls, *a, **k
            )
        )


if _LOG:
    import atexit
    import importlib._bootstrap as _bootstrap

    _load = _bootstrap._load_unlocked

    def _load_unlocked(spec):
        module = _bracket(spec.name, _load, spec)
        _wrap(module)
        return module

    _bootstrap._load_unlocked = _load_unlocked
    atexit.register(lambda: (_mark("exit", "-"), _write()))

if os.environ.get("STOP_AT_CONNECT"):

    def _connect(self, address):
        _mark("connect", "-")
        _write()
        os._exit(0)

    socket.socket.connect = _connect
