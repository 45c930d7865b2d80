"""Deploy installed Python distributions to a test host, as an application's vendored
dependencies: the test account cannot read this interpreter's site-packages (it may live
in root's home), so the distributions' files are copied into a directory of its own and
run there with the host's /usr/bin/python3."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import shutil
import sys
from pathlib import Path

from packaging.requirements import Requirement

HOST_PYTHON = Path("/usr/bin/python3")


def _closure(names: list[str]) -> list[metadata.Distribution]:
    """The distributions and everything they require here (markers evaluated)."""
    seen: dict[str, metadata.Distribution] = {}
    queue = list(names)
    while queue:
        name = queue.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional platform dependency that is not installed
        seen[key] = dist
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                queue.append(req.name)
    return list(seen.values())


def vendor(names: list[str], target: Path, uid: int, gid: int) -> Path:
    """Copy the distributions' files into `target`, owned by uid:gid; returns `target`."""
    for dist in _closure(names):
        for file in dist.files or []:
            source = Path(dist.locate_file(file))
            if file.parts[0] == ".." or not source.is_file():
                continue  # console scripts live outside site-packages
            dest = target / file
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)
    for path in [target, *target.rglob("*")]:
        os.lchown(path, uid, gid)
    return target


def wrapper(path: Path, module: str, site: Path, uid: int, gid: int) -> Path:
    """An executable that runs `python3 -m module` from the vendored directory."""
    python = HOST_PYTHON if HOST_PYTHON.is_file() else Path(sys.executable)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nPYTHONPATH={site} exec {python} -m {module} "$@"\n')
    path.chmod(0o755)
    os.lchown(path.parent, uid, gid)
    os.lchown(path, uid, gid)
    return path
