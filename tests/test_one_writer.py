"""One writer per journal, between real processes on a real sshd fleet: a closed incident
takes no system lock, yet a console amending it, a `verify ID` noting in it and a resume
of it must never append at once (each would continue from the same last seq).

- A console (Pilot, this process) amends the closed incident while `python -m console
  verify` (a process of its own) verifies it: the verify verifies, exit 0 as before, but
  its note is not written there; stderr says who writes that journal and the exact note
  to add by hand. The console goes on; once it has quit, verify notes it.
- A process of its own (the engine's code, as `undo` opens a journal) writes the closed
  incident; the console's resume of it is refused with that line, nothing written; once
  that process has exited, the resume succeeds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from console.engine.session import Engine
from console.journal.journal_lock import _user
from console.journal.store import read_journal
from console.model.loading import load_settings
from console.model.state import fold
from console.ui.app import make_app
from tests.console_process import console
from tests.test_close_keeps_locks import two_systems
from tests.test_resume_closed_unknown import resumed
from tests.test_ui_support import until
from tests.test_ui_terminal import Tmux
from tests.test_verify_closed import close_and_quit, last_note

pytestmark = pytest.mark.sshd

DEMO_RUN = [
    "run", "--demo", "--systems", "web", "--strategy", "version-rollback",
    "--trigger", "user-impact", "--reason", "one writer", "--yes", "--quiet",
]  # fmt: skip

# The engine's own code holding the closed incident's journal open for writing, in a
# process of its own: "ready" once it holds it; a note, then exit, when its stdin closes.
WRITER = """
import asyncio, sys
from pathlib import Path
from console.engine.session import Engine
from console.model.loading import load_settings

engine = Engine.build(load_settings(Path(sys.argv[1])))
conductor = engine.open_existing(Path(sys.argv[2]), [])
print("ready", flush=True)
sys.stdin.read()
conductor.note("amended by the first writer")
conductor.recorder.close()
asyncio.run(engine.close())
"""


def _files(journal: Path) -> tuple[bytes, bytes]:
    return journal.read_bytes(), journal.with_name("output.jsonl").read_bytes()


def _holder(pid: int) -> str:
    return f"pid {pid} ({_user()} on {socket.gethostname()}, since "


async def test_verify_of_an_incident_a_console_amends_prints_the_note_to_add(
    sshd_server, tmp_path: Path
) -> None:
    fleet, journal = two_systems(sshd_server, tmp_path)
    close_and_quit(fleet, journal)
    (fleet.sandboxes["app-2"] / "slow").unlink()
    incident = fold(read_journal(journal).events).incident_id
    async with resumed(fleet.config, journal) as (app, _, _):
        before = _files(journal)
        done = fleet.cli("verify", str(journal.parent), "--take-over-lock", "its console quit")
        assert done.returncode == 0, done.stdout + done.stderr  # app-2: the change made
        assert "\napp-2: verified: succeeded (" in done.stdout, done.stdout
        assert _files(journal) == before  # nothing appended by the second writer
        [made] = [p.name for p in (fleet.state / "incidents").iterdir()]
        lines = done.stderr.splitlines()
        [said] = [line for line in lines if "NOT recorded" in line]
        assert said.startswith(f"verify: incident {incident}'s journal is being written by"), said
        assert _holder(os.getpid()) in said, said
        follow = f"rollback-console follow {journal.parent} --config {fleet.config}"
        assert f"{follow}. The note" in said, said  # as printed: its configuration
        note = f"verify by hand, incident {made} (journal "
        assert (
            f"The note was NOT recorded in incident {incident}; add it there by hand (the"
            f" console's command palette: Add a note): {note}"
        ) in said, said
        assert said.endswith("the change made); lock on app released"), said
        # The console, the one writer, goes on.
        assert app.conductor is not None
        app.conductor.note("still amending")
        assert last_note(journal).text == "still amending"
    again = fleet.cli("verify", str(journal.parent), "--take-over-lock", "its console quit")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "NOT recorded" not in again.stderr and "noted in incident" in again.stderr
    assert last_note(journal).text.startswith("verify by hand, incident ")


async def test_resume_of_an_incident_another_process_writes_is_refused(
    sshd_server, tmp_path: Path
) -> None:
    fleet, journal = two_systems(sshd_server, tmp_path)
    close_and_quit(fleet, journal)
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(fleet.state)}
    argv = [sys.executable, "-c", WRITER, str(fleet.config), str(journal)]
    writer = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        assert writer.stdout is not None and writer.stdout.readline() == b"ready\n"
        before = _files(journal)
        engine = Engine.build(load_settings(fleet.config))
        app = make_app(
            engine.settings, engine, resume=journal, sample_probes=False, check_reach=False
        )
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await until(
                    pilot, lambda: any(n.title == "Not resumed" for n in app._notifications)
                )
                [said] = [n.message for n in app._notifications if n.title == "Not resumed"]
                assert app.conductor is None
        finally:
            await engine.close()
        assert _files(journal) == before
        assert f"is being written by rollback-console {_holder(writer.pid)}" in said, said
        assert f"rollback-console follow {journal.parent}" in said, said
    finally:
        assert writer.stdin is not None
        writer.stdin.close()
        assert writer.wait(timeout=60) == 0
    assert last_note(journal).text == "amended by the first writer"  # it went on
    async with resumed(fleet.config, journal) as (app, _, said):
        assert app.conductor is not None and "Reopened for amendments only" in said, said


# A journal's writer in a process of its own (as a console holds it): "ready" once it
# holds it; it lets go when its stdin closes.
HOLDER = """
import sys
from pathlib import Path
from console.journal.writer import JournalWriter

writer = JournalWriter(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.read()
writer.close()
"""


def test_a_second_writer_command_is_refused_in_one_line_and_readers_still_read(
    tmp_path: Path,
) -> None:
    """`resume` of a journal another process writes: exit 2, one line, nothing written
    (before any terminal is taken over); `export`, a reader, reads it meanwhile."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    run = console(*DEMO_RUN, env=env)
    assert run.returncode == 0, run.stderr
    [journal] = (tmp_path / "state" / "demo-incidents").glob("*/journal.jsonl")
    argv = [sys.executable, "-c", HOLDER, str(journal)]
    holder = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"ready\n"
        before = _files(journal)
        refused = console("resume", "--demo", str(journal.parent), env=env)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stderr.count("\n") == 1, refused.stderr
        assert refused.stderr.startswith(
            f"error: incident {journal.parent.name}'s journal is being written by"
            f" rollback-console {_holder(holder.pid)}"
        ), refused.stderr
        assert _files(journal) == before
        doc = tmp_path / "doc.md"
        exported = console("export", str(journal.parent), "-o", str(doc), env=env)
        assert exported.returncode == 0 and doc.read_text(), exported.stderr
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        assert holder.wait(timeout=60) == 0


# A console driving an open incident on `init`'s configuration (nothing is dialled), in a
# process of its own: its systems' locks and its journal held; the journal's path once it
# holds them; it lets go when its stdin closes.
DRIVER = """
import asyncio, sys
from pathlib import Path
from console.engine.session import Engine
from console.model.loading import load_settings
from console.model.triggers import TriggerKind

engine = Engine.build(load_settings(Path(sys.argv[1])))
conductor = engine.new_incident("driven", systems=["web"])
conductor.declare_trigger(TriggerKind.USER_IMPACT, "checkout errors")
conductor.select(["web"])
print(conductor.recorder.path, flush=True)
sys.stdin.read()
conductor.release_locks()
conductor.recorder.close()
asyncio.run(engine.close())
"""


@pytest.mark.tmux
def test_resume_of_an_open_incident_its_console_drives_names_that_console(tmp_path: Path) -> None:
    """`resume ID` while the console driving it runs said "refused: system 'web' is
    locked: incident ID by ..." (exit 3), naming the very incident being resumed as the
    holder and nothing to do: seen resuming, from a second terminal, an incident a console
    drove on a real sshd fleet. Its journal's writer is named first, with what to do."""
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    config = tmp_path / "config"
    assert console("init", str(config), env=env).returncode == 0
    argv = [sys.executable, "-c", DRIVER, str(config)]
    driver = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    try:
        assert driver.stdout is not None
        journal = Path(driver.stdout.readline().decode().strip())
        before = _files(journal)
        refused = console("resume", "--config", str(config), str(journal.parent), env=env)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert refused.stderr == (
            f"error: incident {journal.parent.name}'s journal is being written by"
            f" rollback-console {_holder(driver.pid)}"
            + refused.stderr.split(_holder(driver.pid), 1)[1].split(")", 1)[0]
            + "): nothing was written here; close that console first, or watch it read-only"
            f" meanwhile: rollback-console follow {journal.parent} --config {config}\n"
        ), refused.stderr  # the configuration it was given (helper-133: it had none)
        assert _files(journal) == before
        # and it works as printed, pasted into a terminal (80x24)
        tmux = Tmux(tmp_path)
        try:
            tmux.start(refused.stderr.split("meanwhile: ", 1)[1].strip())
            tmux.wait_for(f"following {journal.parent.name}")
        finally:
            tmux.kill()
    finally:
        assert driver.stdin is not None
        driver.stdin.close()
        assert driver.wait(timeout=60) == 0
