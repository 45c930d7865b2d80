"""export: the rollback document of a journal, to stdout or into a file renamed when
complete."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from console.cli.common import existing_journal
from console.cli.configuration import cannot_write
from console.cli.parser import EXIT_OK, UsageError


def _export(path: Path, fmt: str, starred_only: bool, first: int | None, write) -> list:
    """Write the document of the journal's `first` events (all if None); the JSON one is
    streamed (constant memory however much output the incident holds), the others read
    back no command's stdout they do not show. Returns the torn lines seen."""
    from console.journal.event_log import read_documented
    from console.journal.export import EXPORT_FORMATS
    from console.journal.export.json_export import write_json
    from console.journal.store import JournalStream
    from console.model.visible import json_visible

    if fmt == "json":
        streams: list[JournalStream] = []

        def journal() -> JournalStream:  # read twice, never held (see write_json)
            streams.append(JournalStream(path, first=first))
            return streams[-1]

        write_json(journal, lambda text: write(json_visible(text)), starred_only)
        return streams[0].torn
    read = read_documented(path, first)
    write(EXPORT_FORMATS[fmt].render(read.events, starred_only, read.total))
    return read.torn


def export(args: argparse.Namespace) -> int:
    path = existing_journal(args.journal, args.config)
    if args.output and args.output != "-":  # `-o -`: stdout, as the other tools read it
        torn = _export_to(Path(args.output), path, args)
    else:
        torn = _export(path, args.format, args.starred_only, args.first, sys.stdout.write)
    for line in torn:
        print(
            f"warning: {line.path}:{line.line}: torn last line ignored ({line.size} bytes)",
            file=sys.stderr,
        )
    return EXIT_OK


def _export_to(target: Path, journal: Path, args: argparse.Namespace) -> list:
    """Stream the document into a file beside `target` (0600 unless asked otherwise, in a
    0700 directory if made), renamed when complete: a journal line that turns out
    unreadable half-way leaves no half document behind; a failure is one line, exit 2.
    That file is a new one of a name nobody can foresee: in a directory another account
    may write (a team's), a link planted at a known name would have had the document
    written, and `--mode` given, to whatever file it points at."""
    import tempfile

    from console.journal.files import JournalError, make_dirs, replaceable

    mode = args.mode
    try:
        replaceable(target)
    except OSError as exc:
        raise UsageError(
            f"{target}: cannot write: {exc.strerror} (-o - writes to stdout)"
        ) from None
    try:
        make_dirs(target.parent)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except (OSError, JournalError) as exc:
        raise cannot_write(target, exc) from None
    partial = Path(name)
    try:
        try:
            os.fchmod(fd, mode)
        except OSError as exc:
            os.close(fd)
            raise cannot_write(target, exc) from None
        with open(fd, "w", encoding="utf-8") as out:
            # A bad journal: its error.
            torn = _export(journal, args.format, args.starred_only, args.first, out.write)
        os.replace(partial, target)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    finally:
        partial.unlink(missing_ok=True)
    return torn
