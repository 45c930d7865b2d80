"""A console that ends on an error no check foresaw exits 1: found by random keys at
80x24, a console ended by a traceback (Textual's, after 'RecursionError: maximum recursion
depth exceeded') left `$?` at 0, as if the commander had quit. In tmux, as a user runs it;
the error is injected (sitecustomize) where a key reaches the app."""

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


def test_a_console_ended_by_an_error_exits_1(tmp_path: Path) -> None:
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
    finally:
        tmux.kill()
