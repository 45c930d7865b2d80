"""The demo's way to its first full frame, phase by phase, in instructions.

    python bench/frame_phases.py --console-src /tmp/snap    # a bytecode-compiled snapshot

Runs `rollback-console demo` in an 80x24 pseudo-terminal under valgrind's callgrind,
ended at its first full frame (`first_paint.py`), with a clean state directory.
callgrind dumps its counts at every call of `os.getppid`; this script, as the console's
wrapper (`--inner`), makes that call as each phase of the start begins: Textual's run,
the app's mount, every layout and render of a screen, each recompose of the footer. It
prints each phase's instructions on the main thread (a marker costs a few thousand).
Where the imports' instructions go: `python -X importtime`. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _mark(name: str, names: int) -> None:
    """Writes `name` to the fd `names`, then calls os.getppid (callgrind dumps there)."""
    os.write(names, f"{name}\n".encode())
    os.getppid()


def _around(owner: Any, method: str, names: int) -> None:
    """`owner.method` marked as it starts and as it returns (sync or async), with the
    class of the instance it runs for."""
    import inspect

    original = getattr(owner, method)
    if inspect.iscoroutinefunction(original):

        async def marked_async(self, *args, **kwargs):
            _mark(f"{type(self).__name__}.{method} starts", names)
            result = await original(self, *args, **kwargs)
            _mark(f"{type(self).__name__}.{method} returns", names)
            return result

        setattr(owner, method, marked_async)
        return

    def marked(self, *args, **kwargs):
        _mark(f"{type(self).__name__}.{method} starts", names)
        result = original(self, *args, **kwargs)
        _mark(f"{type(self).__name__}.{method} returns", names)
        return result

    setattr(owner, method, marked)


def inner(argv: list[str]) -> None:
    """The console, marked (run by valgrind in the pseudo-terminal)."""
    gc.disable()  # as the console does before its imports (`console_app._collect_later`)
    names = os.open(os.environ["FRAME_PHASES_NAMES"], os.O_WRONLY | os.O_APPEND)
    import first_paint
    from textual.app import App
    from textual.screen import Screen

    from console.ui.app import RollbackApp
    from console.ui.widgets.key_footer import KeyFooter

    _mark("python; the imports of console.ui.app (Textual, pydantic, the models)", names)
    _around(App, "run_async", names)
    _around(RollbackApp, "on_mount", names)
    _around(Screen, "_refresh_layout", names)
    _around(Screen, "_compositor_refresh", names)
    _around(KeyFooter, "_recompose_if_changed", names)
    sys.meta_path.insert(0, first_paint._PatchWriter())
    from console.cli import main

    main(argv)


def phases(console_src: Path) -> list[tuple[str, int]]:
    """(what ended the phase, its main thread's instructions), in order; the last phase
    ends at the first full frame."""
    from startup import _callgrind_total, demo_instructions_in  # not in the console's process

    workdir = Path(tempfile.mkdtemp(prefix="rc-phases-"))
    names = workdir / "names"
    names.write_text("")
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    env.pop("ROLLBACK_CONSOLE_CONFIG", None)
    env.update(
        PYTHONPATH=str(console_src.resolve()),
        PYTHONHASHSEED="0",
        ROLLBACK_CONSOLE_STATE=str(workdir / "state"),
        FRAME_PHASES_NAMES=str(names),
    )
    script = [str(Path(__file__).resolve()), "--inner", "demo"]
    out = demo_instructions_in(env, workdir, script, ["--dump-before=os_getppid"])
    dumps = sorted(out.glob("cg.*-01"), key=_dump_number)
    counts = [_callgrind_total(p) for p in dumps]
    ended = [*names.read_text().splitlines(), "the first full frame"]
    return list(zip(ended, counts, strict=False))


def _dump_number(path: Path) -> int:
    """callgrind's dumps `cg.PID.N-01` in order, then its last, `cg.PID-01`."""
    match = re.fullmatch(r"cg\.\d+(?:\.(\d+))?-01", path.name)
    return int(match[1]) if match and match[1] else sys.maxsize


def main() -> int:
    if sys.argv[1:2] == ["--inner"]:
        inner(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--console-src", type=Path, default=HERE.parent, metavar="DIR")
    args = parser.parse_args()
    rows = phases(args.console_src)
    print("| phase, up to | main thread |\n|---|---|")
    for ended, count in rows:
        print(f"| {ended} | {count / 1e6:,.1f} M |")
    print(f"| **to the first full frame** | **{sum(c for _, c in rows) / 1e6:,.1f} M** |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
