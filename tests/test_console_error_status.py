"""A console that ends on an error no check foresaw exits 1: found by random keys at
80x24, a console ended by a traceback (Textual's, after 'RecursionError: maximum recursion
depth exceeded') left `$?` at 0, as if the commander had quit. It says so in one line, as
a command does, naming the file its traceback was saved to (masked, 0600): Textual's own
traceback filled the 80x24 screen, each frame's local variables with it (a channel's URL,
a host's words, unmasked). In tmux, as a user runs it; the error is injected
(sitecustomize) where a key reaches the app."""

from __future__ import annotations

import shlex
import shutil
import sys
import time
from pathlib import Path

import pytest

from console.paths import demo_config
from tests.test_ui_terminal import Tmux

pytestmark = pytest.mark.tmux

BOOM = """\
import console.ui.screens.home as home


def boom(self):
    raise RuntimeError("injected for the test")


home.HomeScreen.action_new = boom
"""


def test_a_console_ended_by_an_error_exits_1_saying_it_in_one_line(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BOOM)
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    path = f"{site}:{Path(__file__).resolve().parents[1]}"
    program = f"{shlex.quote(sys.executable)} -m console --config {shlex.quote(str(config))}"
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"PYTHONPATH={shlex.quote(path)} {program}; echo EXITED $?; sleep 60")
        tmux.wait_for("declare a new incident")
        for _ in range(20):  # a key typed before the screen counts as shown is not used
            tmux.keys("n")
            if "EXITED" in tmux.screen():
                break
            time.sleep(0.5)
        screen = tmux.wait_for("EXITED")
        assert "injected for the test" in screen, screen
        assert "EXITED 1" in screen, screen
        assert "Traceback" not in screen and "locals" not in screen, screen  # main: both
        [saved] = (tmp_path / "state" / "crashes").iterdir()  # Tmux's state dir
        joined = tmux.run("capture-pane", "-p", "-J", "-t", "rc")  # its wrapped lines joined
        assert (
            "error: internal error: RuntimeError: injected for the test (a bug: please report"
            f" it with {saved}; the journal, if any, holds what was done)"
        ) in joined, joined
        assert "RuntimeError: injected for the test" in saved.read_text()
        assert saved.stat().st_mode & 0o777 == 0o600
    finally:
        tmux.kill()
