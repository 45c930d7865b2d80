"""Work the console does in the background that stops on an error is said in one line,
never kept in silence. Seen: k on a host whose key is unknown, then y, with the known_hosts
file on a filesystem gone read-only: nothing happened, no word, the host still '? host key
unknown' (the worker kept its OSError: `exit_on_error=False`). That error is now the
engine's own refusal; any other a worker meets is said by console/ui/worker_errors.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from console.demo.fleet import DemoFleet
from console.model.settings import Settings
from console.ui.screens.dialogs import ConfirmDialog
from tests.test_ui_picker_reach import REACH_SECONDS, forget_key, open_picker, patient, tree_lines
from tests.test_ui_support import build_app, demo_settings, until, until_shown


def _mount(path: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *options, str(path)], capture_output=True, text=True)


async def test_k_on_a_read_only_known_hosts_says_why_nothing_was_trusted(tmp_path: Path) -> None:
    disk = tmp_path / "ssh"
    disk.mkdir()
    if _mount(disk, "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs").returncode:
        pytest.skip("no tmpfs to make read-only here")
    try:
        async with DemoFleet(demo_settings()) as fleet:
            forget_key(fleet, "web-2")
            known = disk / "known_hosts"
            known.write_text((fleet.root / "known_hosts").read_text())
            data = patient(fleet.settings).dumped()
            data["inventory"]["ssh"]["known_hosts"] = str(known)
            settings = Settings.validated(data)
            assert _mount(disk, "-o", "remount,ro").returncode == 0
            app = build_app(settings, tmp_path / "incidents", check_reach=True)
            async with app.run_test(size=(80, 24)) as pilot:
                picker = await open_picker(pilot)
                assert "? host key unknown" in tree_lines(picker.host_tree)["web-2"]
                await pilot.press("down", "down")  # web-2
                await until_shown(pilot, "#reach", "k shows its fingerprint")
                await pilot.press("k")
                await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
                await pilot.press("y")

                def said() -> list[tuple[str, str]]:
                    return [
                        (n.title, n.message) for n in app._notifications if n.severity == "error"
                    ]

                await until(pilot, said, timeout=REACH_SECONDS)
                ((title, message),) = said()
                assert title == "Host key not accepted", title
                assert message.startswith(
                    f"{known} cannot be written (Read-only file system): the key of web-2 ("
                ) and message.endswith(") is not accepted, nothing written or sent"), message
                assert "? host key unknown" in tree_lines(picker.host_tree)["web-2"]
    finally:
        _mount(disk, "-o", "remount,rw")
        subprocess.run(["umount", "-l", str(disk)], check=False)


async def test_a_read_only_lock_directory_refuses_the_declaration_in_one_line(
    tmp_path: Path,
) -> None:
    """Declared in the console at 80x24 (n, a trigger, a reason, a system, Enter) with the
    lock directory on a filesystem gone read-only: a Rich traceback across the screen
    ('JournalError: .../acquire.mutex: cannot be opened: Read-only file system') and the
    console gone. Refused on the picker in one line; nothing recorded; the console goes on."""
    from console.engine.session import Engine
    from console.model.clock import FixedClock
    from console.ui.screens.picker import PickerScreen
    from tests.test_ui_support import ACTOR, START, declare_and_pick

    locks = tmp_path / "locks"
    locks.mkdir()
    if _mount(locks, "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs").returncode:
        pytest.skip("no tmpfs to make read-only here")
    try:
        assert _mount(locks, "-o", "remount,ro").returncode == 0
        root = tmp_path / "incidents"
        engine = Engine(demo_settings(), root, FixedClock(START), ACTOR, lock_dir=locks)
        app = build_app(demo_settings(), root, engine)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await declare_and_pick(pilot, "checkout fails")
                await pilot.press("space", "enter")
                picker = app.screen
                assert isinstance(picker, PickerScreen)
                await until_shown(pilot, "#picker-error", "✘ Nothing was recorded or locked: ")
                shown = " ".join(str(picker.query_one("#picker-error").render()).split())
                assert shown == (
                    f"✘ Nothing was recorded or locked: {locks}/acquire.mutex: cannot be"
                    " opened: Read-only file system"
                ), shown
                assert app.conductor is None and app._exception is None
        finally:
            await engine.close()
        assert not root.exists() or not any(root.iterdir())
    finally:
        _mount(locks, "-o", "remount,rw")
        subprocess.run(["umount", "-l", str(locks)], check=False)


async def test_an_error_no_worker_expected_is_said_and_noted_when_it_concerns_hosts(
    tmp_path: Path,
) -> None:
    """Any other error a step's worker meets (here one raised by the work itself): one
    error toast naming the work and the error, and a note on the incident's record."""
    from console.model.events import Kind
    from tests.test_ui_support import open_incident

    app = build_app(demo_settings(), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)

        async def work() -> None:
            raise RuntimeError("the pool's loop is gone")

        app.run_worker(work(), group="step", exit_on_error=False)
        await until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        (message,) = [n.message for n in app._notifications if n.severity == "error"]
        assert message.startswith(
            "The step's work stopped on an unexpected error: RuntimeError: the pool's loop is gone."
        ), message
        notes = [e.data.text for e in app.conductor.recorder.events if e.kind == Kind.NOTE_ADDED]
        assert any("RuntimeError: the pool's loop is gone" in n for n in notes), notes
