"""The configuration an incident kept as it opened (config-opened.json, config_kept.py),
read again: what `undo` runs without --config, the commands the incident ran with rather
than the files as they are now. Whole only where the copy masked nothing: a secret's mask
is never sent to a host in its place, nor trusted to mask what a host prints."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from console.engine.config_kept import kept_path
from console.engine.errors import ProcedureError
from console.journal.redact import MASK
from console.model.files import FILES
from console.model.kept_file import read_kept
from console.model.loading import ABSENT

GIVE = "give --config DIR (the files as they are now)"


class Kept(NamedTuple):
    """Where the incident's configuration was read from, its files as it kept them (as
    `loading.read_files` gives them), and where it kept them."""

    directory: Path
    files: dict[str, bytes | str]
    path: Path


def kept_configuration(journal: Path) -> Kept:
    """The configuration the incident of `journal` opened with; ProcedureError saying why
    not, and what to give instead: none kept (an incident of before 2026-12-07, or a
    copy this account may not trust), kept without its directory (before 2026-12-07 19:10
    UTC), its directory gone, or a secret masked in it."""
    path = kept_path(journal)
    found = read_kept(path)
    if found is None:
        why = "absent, or not this account's own file" if path.exists() else "none kept"
        raise ProcedureError(f"the incident's configuration as it opened: {path}: {why}; {GIVE}")
    texts, directory = found.get("files"), found.get("directory")
    if not isinstance(texts, dict) or not isinstance(directory, str):
        raise ProcedureError(
            f"{path} does not say where the incident's configuration was read from (kept"
            f" before 2026-12-07 19:10 UTC); {GIVE}"
        )
    masked = [name for name, text in texts.items() if isinstance(text, str) and MASK in text]
    if masked:
        raise ProcedureError(
            f"the configuration the incident kept ({path}) masks secrets in"
            f" {', '.join(masked)}, which the undo needs whole (to send, and to mask in its"
            f" record): give --config {directory} (the files as they are now)"
        )
    if not Path(directory).is_dir():
        raise ProcedureError(
            f"the incident's configuration was read from {directory}, which is not there"
            f" now (its relative journal_dir, lock_dir and Ansible inventories are read from"
            f" it); {GIVE}"
        )
    files: dict[str, bytes | str] = {
        part: text.encode() if isinstance(text := texts.get(name), str) else ABSENT
        for part, name in FILES.items()
    }
    return Kept(Path(directory), files, path)
