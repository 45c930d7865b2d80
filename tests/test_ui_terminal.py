"""`rollback-console demo` in a real terminal (tmux, 80x24), driven with keys."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.tmux


class Tmux:
    def __init__(self, tmp: Path):
        self.socket = f"rc-test-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp

    def run(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return result.stdout

    def start(self, command: str) -> None:
        env = {
            **os.environ,
            "ROLLBACK_CONSOLE_STATE": str(self.tmp / "state"),
            "TERM": "xterm-256color",
        }
        subprocess.run(
            [
                "tmux",
                "-L",
                self.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "rc",
                "-x",
                "80",
                "-y",
                "24",
                command,
            ],
            env=env,
            check=True,
            timeout=10,
        )

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", "rc", key)
            time.sleep(0.15)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "rc", "-l", text)
        time.sleep(0.2)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "rc")

    def wait_for(self, text: str, tries: int = 100, every: float = 0.2) -> str:
        """The screen once it shows `text` and has stopped changing.

        tmux applies a frame as its bytes arrive, so a capture can catch one half
        drawn: a line of the new frame above lines of the old one."""
        screen = previous = ""
        for _ in range(tries):
            screen = self.screen()
            if text in screen and screen == previous:
                return screen
            previous = screen
            time.sleep(every)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


def test_demo_in_a_real_terminal(tmp_path: Path) -> None:
    tmux = Tmux(tmp_path)
    try:
        tmux.start("rollback-console demo; echo EXITED $?; sleep 30")
        tmux.wait_for("Press N to declare a new incident")
        tmux.keys("n")
        tmux.wait_for("Declare the rollback trigger")
        tmux.keys("Down", "Enter")
        tmux.type("checkout errors for 30% of users")
        tmux.keys("Enter")
        tmux.wait_for("Pick the affected systems")
        tmux.keys("Space")
        tmux.wait_for("3/3 hosts")
        tmux.keys("Enter")
        screen = tmux.wait_for("Step 1 of")
        assert "User impact assessment" in screen
        tmux.keys("Enter")
        tmux.wait_for("Step 2 of")
        tmux.keys("Enter")
        tmux.wait_for("Step 3 of")
        tmux.keys("Enter")  # runs a command step on the three web hosts over SSH
        screen = tmux.wait_for("3 of 3 hosts finished")
        assert "succeeded" in screen, screen
        assert "web-1" in screen and "web-3" in screen, screen
        for step, title in ((4, "Halt current delivery"), (5, "Assess system state")):
            tmux.keys("F2")  # commands on the hosts: halt the delivery, assess the state
            tmux.wait_for(f"Step {step} of")
            tmux.keys("Enter")
            tmux.wait_for(f"☑ done {title}")
        tmux.keys("F2")
        tmux.wait_for("Step 6 of")
        tmux.keys("Enter")  # initiate: a manual step
        tmux.wait_for("Step 7 of")
        tmux.keys("Enter")  # restore the previous version: the strategy, over SSH
        screen = tmux.wait_for("☑ done Restore previous version")  # every host finished
        assert "3 of 3 hosts finished" in screen and "healthy on 2.4.0" in screen, screen
        assert screen.count("✔ succeeded") == 3, screen
        tmux.keys("F4")
        tmux.wait_for("filter by kind")
        tmux.keys("C-q")
        tmux.wait_for("EXITED 0")
        journals = list((tmp_path / "state" / "demo-incidents").glob("*/journal.jsonl"))
        assert len(journals) == 1
        completed = [
            json.loads(line)
            for line in journals[0].read_text().splitlines()
            if '"step.completed"' in line
        ]
        assert [(e["where"]["step"], e["data"]["status"]) for e in completed][-1] == (
            "restore",
            "done",
        )
    finally:
        tmux.kill()
