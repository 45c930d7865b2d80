"""Every --help as read in an 80-column terminal (a jump host's SSH session at 80x24):
what it says after the options (examples, exit statuses), laid out by hand, fits 79
columns; argparse folds the options to the terminal itself."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from console.cli.parser import build_parser

REPO = Path(__file__).resolve().parent.parent


def test_every_help_epilog_fits_an_80_column_terminal():
    """Walked as a new user: `run --help` ended in lines of 82-95 columns, `undo --help`
    and `verify --help` in 112 and 109, each wrapped by the terminal mid-word."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    wide = [
        (name, line)
        for name, each in [("", parser), *sub.choices.items()]
        for line in (each.epilog or "").splitlines()
        if len(line) > 79
    ]
    assert not wide, wide


def _help(*command: str) -> str:
    """`rollback-console COMMAND --help` as printed in a terminal 80 columns wide."""
    return subprocess.run(
        [sys.executable, "-m", "console", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "COLUMNS": "80"},
    ).stdout


def test_run_help_as_printed_at_80_columns():
    """As printed, in a terminal 80 columns wide: the folded exit statuses read whole."""
    text = _help("run")
    assert max(len(line) for line in text.splitlines()) <= 79, text
    folded = " ".join(text.split("\n  2  ", 1)[1].split("\n  3  ", 1)[0].split())
    assert (
        folded
        == "bad usage or bad configuration: one line names the file, key or host; nothing sent"
    )


def test_drill_usage_is_broken_where_argparse_would_not():
    """argparse keeps a mutually exclusive group whole: `drill --help`'s usage read
    '[--scenario NAME | --list | --status | --due | --gate]' at 84 columns."""
    text = _help("drill")
    usage = text.split("\n\n", 1)[0]
    assert max(len(line) for line in usage.splitlines()) <= 79, usage
    assert " ".join(usage.split()).startswith(
        "usage: rollback-console drill [-h] [--config DIR] [--log FILE]"
        " [--scenario NAME | --list | --status | --due | --gate] [--run]"
    ), usage
