"""`python bench/first_paint.py ARGS...`: `rollback-console ARGS`, ended at its first full
frame, for callgrind to count the instructions up to it (`bench/startup.py --instructions`).

The first full frame is the first terminal write that paints every row of the screen (a
full update: the home screen, whatever the probes show by then); the process exits
(`os._exit`, which callgrind's counts survive) right after it. Textual's writer is patched
when Textual imports it, so nothing is imported sooner or in another order than the
console itself does.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys

WRITER = "textual.drivers._writer_thread"
ROW = re.compile(r"\x1b\[(\d+);1H")


def _stop_at_first_full_frame(module) -> None:
    rows = os.get_terminal_size(sys.__stderr__.fileno()).lines
    write = module.WriterThread.write

    def patched(self, data: str) -> None:
        write(self, data)
        if len(set(ROW.findall(data))) >= rows:
            os._exit(0)

    module.WriterThread.write = patched


class _PatchWriter(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != WRITER:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module) -> None:
            load(module)
            _stop_at_first_full_frame(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if __name__ == "__main__":
    sys.meta_path.insert(0, _PatchWriter())
    from console.cli import main

    sys.exit(main(sys.argv[1:]))
