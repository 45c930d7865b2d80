"""`rollback-console demo` in a real terminal (tmux, 80x24), driven with keys."""

from __future__ import annotations

import json
import os
import re
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

    def declare(self) -> None:
        """From the home screen: a new incident (user impact, "checkout errors") on the
        whole of the first system, its three hosts, to its checklist."""
        self.to_picker()
        self.wait_for("Pick the affected systems")
        self.keys("Space")
        self.wait_for("3/3 hosts")
        self.keys("Enter")

    def to_picker(self) -> None:
        """From the home screen: a new incident's trigger (user impact, "checkout
        errors") declared, on its way to the picker."""
        self.wait_for("declare a new incident")
        self.keys("n")
        self.wait_for("Declare the rollback trigger")
        self.keys("Down", "Enter")
        self.type("checkout errors")
        self.keys("Enter")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "rc")

    def click(self, text: str) -> None:
        """A mouse click on `text` where the screen shows it (as a terminal reports one:
        SGR 1006, the button pressed then let go), e.g. on a toast, which a click
        dismisses."""
        screen = self.screen().splitlines()
        row = next(i for i, line in enumerate(screen) if text in line)
        at = f"{screen[row].index(text) + 1};{row + 1}"
        self.run("send-keys", "-t", "rc", "-l", f"\x1b[<0;{at}M\x1b[<0;{at}m")
        time.sleep(0.15)

    def wait_for(self, text: str, tries: int = 300, every: float = 0.2, gone: str = "") -> str:
        """The screen once it shows `text` (and no longer `gone`) and has stopped changing.

        tmux applies a frame as its bytes arrive, so a capture can catch one half
        drawn: a line of the new frame above lines of the old one. Bounded at a minute or
        more: a rollback-console command (a python started) took 4 to 19 s at load 23."""
        screen = previous = ""
        for _ in range(tries):
            screen = self.screen()
            if text in screen and not (gone and gone in screen) and screen == previous:
                return screen
            previous = screen
            time.sleep(every)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")

    def wait_until_one_of(self, *texts: str, tries: int = 300, every: float = 0.2) -> str:
        """The stable screen once it shows any of `texts`."""
        screen = previous = ""
        for _ in range(tries):
            screen = self.screen()
            if any(t in screen for t in texts) and screen == previous:
                return screen
            previous = screen
            time.sleep(every)
        raise AssertionError(f"none of {texts!r} appeared; the screen was:\n{screen}")

    def wait_for_step_done(self, step: int) -> str:
        """The checklist's stable screen once it has moved past `step`. F2 brings it back
        from the screen the step opened, pressed only where that screen is seen: pressed
        blind, each turn, an F2 was still on its way (a loaded console) as the next key
        was typed, and its screen change made that key one typed before it was shown."""
        screen = previous = ""
        for _ in range(300):
            screen = self.screen()
            if screen == previous:
                if "Every step is done" in screen or (
                    f"Step {step} of" not in screen and " of 14 ·" in screen
                ):
                    return screen
                if " of 14 ·" not in screen:
                    self.keys("F2")
            previous = screen
            time.sleep(0.2)
        raise AssertionError(f"step {step} never finished; the screen was:\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


def journal_of(tmp: Path) -> Path:
    [journal] = [
        p
        for p in (tmp / "state" / "demo-incidents").glob("*/journal.jsonl")
        if '"user-impact"' in p.read_text()
    ]
    return journal


def test_a_whole_incident_at_80x24_with_the_auto_trigger_firing_mid_declaration(
    tmp_path: Path,
) -> None:
    """The demo's `auto` trigger counts down as the commander starts to declare: it
    becomes a proposal, the typed reason survives, the proposal is dismissed with a
    reason; the rollback runs, the form is filled, the incident is closed, and the
    export says the right title, commander, outcome and end time."""
    tmux = Tmux(tmp_path)
    try:
        tmux.start("rollback-console demo; echo EXITED $?; sleep 60")
        tmux.wait_for("AUTOMATIC ROLLBACK IN")  # api's error rate: policy auto, counting
        tmux.keys("n")
        tmux.wait_for("Declare the rollback trigger")
        tmux.keys("Down", "Enter")
        tmux.type("checkout errors")
        screen = tmux.wait_for("PROPOSED")  # held for the person declaring: no hijack
        assert "Declare the rollback trigger" in screen
        tmux.keys("C-t")
        screen = tmux.wait_for("Automatic trigger fired")
        # api's countdown held for the person, or web's error rate if it fired since
        # (newest first among triggers of one kind): the dialog names which one it is
        system = re.search(r"Automatic trigger fired: [^(]*\((\w+)\)", screen)
        assert system, screen
        tmux.keys("Down", "Space")  # dismiss
        tmux.type("api errors are a known load test")
        tmux.keys("Enter")
        screen = tmux.wait_for("Declare the rollback trigger", gone="Automatic trigger fired")
        assert "checkout errors" in screen  # the typed reason survived
        tmux.type(" for 30% of users")
        tmux.keys("Tab", "C-u")
        tmux.type("alice@10.0.0.7")
        tmux.keys("C-s")
        tmux.wait_for("Pick the affected systems")
        tmux.keys("Space")
        tmux.wait_for("3/3 hosts")
        tmux.keys("Enter")
        written = {  # a form step opens the form at its first field
            10: "web 2.4.1 broke checkout",
            11: "a null price in the cart",
            12: "fix and add a test",
            13: "canary first",
            14: "2026-03-20\talice",  # the retry and its owner: both required to be done
        }
        screen = tmux.wait_for("Step 1 of")
        while "Every step is done" not in screen:  # the checklist, drawn, no key on its way
            step = int(re.findall(r"Step (\d+) of 14", screen)[0])  # not a toast's "Step done"
            tmux.keys("Enter")
            # Each a fact of the screen the Enter opened, never one the checklist shows
            # already: "Enter sends" (its line for the status update) matched before the
            # Enter was read, under load, and the next Enter, typed at the dialog before it
            # was shown, was dropped: the test waited for a step never sent until its timeout.
            screen = tmux.wait_until_one_of(
                "(y)",
                "Esc does not send",
                f"Step {step + 1} of",
                "hosts finished",
                "healthy samples",
                "Post-rollback: document",
            )
            if "(y)" in screen:  # it changes hosts: its command and host count, then y
                assert "on 3 host(s)?" in screen
                tmux.keys("y")
            elif "Esc does not send" in screen:  # the status update, as it will be sent
                tmux.keys("Enter")
            elif "Post-rollback: document" in screen:
                for n, value in enumerate(written[step].split("\t")):
                    if n:
                        tmux.keys("Tab")
                    tmux.type(value)
                tmux.keys("C-s")
            screen = tmux.wait_for_step_done(step)
        tmux.keys("Enter")  # the checklist offers the close
        screen = tmux.wait_for("How did it end?")
        tmux.keys("Enter")  # rolled back and verified: what the record shows
        tmux.wait_for("Closed: rolled back and verified")
        tmux.keys("q")
        screen = tmux.wait_for("EXITED 0")
        assert "closed, rolled back and verified" in screen
        assert "socket.send" not in screen and "Traceback" not in screen
        journal = journal_of(tmp_path)
        export = subprocess.run(
            ["rollback-console", "export", str(journal)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")},
        )
        document = export.stdout
        assert document.startswith(
            "# Rollback document: User impact assessment: checkout errors for 30% of users"
        )
        assert "| Commander | alice@10.0.0.7 |" in document
        assert "| Outcome | rolled back and verified |" in document
        assert re.search(r"\| Closed \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by ", document)
        assert "a null price in the cart" in document
        dismissed = [
            json.loads(line)
            for p in (tmp_path / "state" / "demo-incidents").glob("*/journal.jsonl")
            for line in p.read_text().splitlines()
            if '"trigger.dismissed"' in line
        ]
        assert dismissed[0]["data"]["reason"] == "api errors are a known load test"
        assert dismissed[0]["data"]["trigger"] == f"{system[1]}-errors"
    finally:
        tmux.kill()


def test_quitting_mid_step_aborts_cleanly_in_a_real_terminal(tmp_path: Path) -> None:
    """Ctrl+Q while a host hangs: the commands are aborted with a reason, one summary
    line is printed, the exit status is 0 (the commander chose to quit), and nothing else
    reaches the terminal."""
    tmux = Tmux(tmp_path)
    try:
        tmux.start("rollback-console demo --inject hang:web-1; echo EXITED $?; sleep 60")
        tmux.declare()
        for step in (1, 2):
            tmux.wait_for(f"Step {step} of")
            tmux.keys("Enter")
        tmux.wait_for("Step 3 of")
        tmux.keys("Enter")  # read-only: it runs at once, and web-1 hangs
        tmux.wait_for("2 of 3 hosts finished")
        tmux.keys("C-q")
        tmux.wait_for("A step is still running")
        tmux.keys("a")  # abort: the reason is asked, and recorded
        tmux.wait_for("Abort “Capture the failing release")  # names the step
        tmux.type("the commander quit the console")
        tmux.keys("Enter")
        screen = tmux.wait_for("EXITED 0")
        lines = [ln for ln in screen.splitlines() if ln.strip()]
        exited = lines.index("EXITED 0")
        summary = " ".join(lines[:exited])  # the one line, as the terminal wrapped it
        assert ": open at step 3 of 14" in summary and "rollback-console resume" in summary
        assert "socket.send" not in screen and "Traceback" not in screen
        events = [json.loads(line) for line in journal_of(tmp_path).read_text().splitlines()]
        aborted = [e for e in events if e["kind"] == "run.aborted"]
        assert aborted[0]["data"]["reason"] == "the commander quit the console"
    finally:
        tmux.kill()
