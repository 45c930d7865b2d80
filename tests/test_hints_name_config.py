"""The command lines the console prints for a person to run next name the configuration
it was started with: the resume line left at quit by a console started with `--config DIR`
said `rollback-console resume PATH`, which, pasted into a shell, answered "no configuration
found". In tmux at 80x24, as a user on their own configuration."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

import pytest

from console.paths import demo_config
from tests.test_ui_terminal import Tmux

pytestmark = pytest.mark.tmux


def test_the_resume_line_left_at_quit_runs_as_printed(tmp_path: Path) -> None:
    mine = tmp_path / "my config"  # a space: the line must quote it
    shutil.copytree(demo_config(), mine, ignore=shutil.ignore_patterns("drills.toml"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    program = f"{shlex.quote(sys.executable)} -m console"
    first, second = Tmux(tmp_path), Tmux(tmp_path)
    try:
        first.start(
            f"cd {shlex.quote(str(tmp_path))} && {program} --config {shlex.quote(str(mine))};"
            " echo EXITED $?; sleep 60"
        )
        first.declare()
        first.wait_for("Step 1 of")
        first.keys("C-q")
        first.wait_for("Quit?")
        first.keys("y")
        first.wait_for("EXITED 0")
        joined = first.run("capture-pane", "-p", "-J", "-t", "rc")  # the line, unwrapped
        said = next(line for line in joined.splitlines() if "resume with: " in line)
        command = said.split("resume with: ", 1)[1].strip()
        assert command.endswith(f" --config {shlex.quote(str(mine.absolute()))}"), said
        assert command.startswith("rollback-console resume "), said
        # Pasted into another shell, elsewhere, with no configuration of its own to find.
        again = command.replace("rollback-console", program, 1)
        second.start(f"cd {shlex.quote(str(elsewhere))} && {again}; echo EXITED $?; sleep 60")
        resumed = second.wait_until_one_of("Step 1 of", "EXITED")
        assert "Step 1 of" in resumed and "no configuration found" not in resumed, resumed
    finally:
        first.kill()
        second.kill()
