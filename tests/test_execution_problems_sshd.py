""" "Problems only" (p) on the execution screen, on real sshd: the output pane shows a host
the grid shows. Walked on 200 sshd hosts at 80x24: with p on, web-005 (three hosts
refused) retried and succeeded; its row went from the grid, the cursor's place was now
web-050's, and the pane went on showing web-005's output, a host the filter hid."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from console.model.loading import load_settings
from console.model.state import HostStatus, StepStatus
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.execution import ExecutionScreen
from console.ui.widgets.host_grid import HostGrid
from tests.test_execution_lines_sshd import _config, _restore
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd


async def _yes(pilot) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, RunConfirm))
    await pilot.pause(0.1)
    await pilot.press("y")


def _shown(app) -> tuple[list[str], str | None, str]:
    """The hosts in the grid, the host whose output the pane shows, and its title."""
    screen = app.screen
    assert isinstance(screen, ExecutionScreen)
    title = screen.query_one("#output-title").text.plain
    return list(screen.query_one("#grid", HostGrid).keys), screen.host, title


async def test_the_output_pane_follows_the_cursor_when_its_host_leaves_the_grid(
    sshd_server, tmp_path: Path
) -> None:
    commands = {"action": "test ! -e broken", "verify": "true"}
    config, sandboxes = _config(sshd_server, tmp_path, commands=commands)
    for host in ("app-01", "app-02"):
        (sandboxes[host] / "broken").write_text("")
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await _restore(pilot)
        state = app.conductor.state
        failed = StepStatus.FAILED
        await until(pilot, lambda: state.step("restore").status is failed, 60)
        await app.push_screen("execution")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.press("p")
        await until(pilot, lambda: _shown(app)[:2] == (["app-01", "app-02"], "app-01"))
        # app-01 mended and retried alone: it succeeds and leaves the problems
        (sandboxes["app-01"] / "broken").unlink()
        app.start_run("restore", only_hosts=["app-01"])
        await _yes(pilot)
        ok = HostStatus.SUCCEEDED
        await until(pilot, lambda: state.step("restore").hosts["app-01"].status is ok, 60)
        await until(pilot, lambda: _shown(app)[0] == ["app-02"])
        await until(pilot, lambda: _shown(app)[1] == "app-02")
        assert "app-02" in _shown(app)[2]
        # with no problem left, the pane shows no host at all
        (sandboxes["app-02"] / "broken").unlink()
        app.start_run("restore", only_hosts=["app-02"])
        await _yes(pilot)
        await until(pilot, lambda: state.step("restore").hosts["app-02"].status is ok, 60)
        await until(pilot, lambda: _shown(app)[0] == [])
        await until(pilot, lambda: _shown(app)[1] is None)


def _refusing(config: Path, host: str) -> None:
    """`host` moved to a loopback port nothing listens on (an sshd stopped there)."""
    import tomllib

    import tomli_w

    from tests.sshd import _free_port

    port = _free_port()
    path = config / "inventory.toml"
    data = tomllib.loads(path.read_text())
    for entry in data["systems"][0]["hosts"]:
        if entry["name"] == host:
            entry["port"] = port
    path.write_text(tomli_w.dumps(data))


@contextlib.asynccontextmanager
async def failed_restore(sshd_server, tmp_path: Path, action: str) -> AsyncIterator[Pilot]:
    """The console at 80x24 once the restore (`action`, app-03 refused) failed."""
    config, _ = _config(sshd_server, tmp_path, commands={"action": action, "verify": "true"})
    _refusing(config, "app-03")
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await _restore(pilot)
        state = app.conductor.state
        await until(pilot, lambda: state.step("restore").status is StepStatus.FAILED, 60)
        yield pilot


async def _failed_at_80(
    sshd_server, tmp_path: Path, action: str, problems: list[str] | None = None
) -> list[str]:
    """The execution screen's lines at 80x24 once the restore (`action`, app-03 refused)
    failed; with `problems`, under "problems only" once the grid shows just those."""
    async with failed_restore(sshd_server, tmp_path, action) as pilot:
        app = pilot.app
        await app.push_screen("execution")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        if problems is not None:
            await pilot.press("p")
            await until(pilot, lambda: _shown(app)[0] == problems)
        await pilot.pause(0.2)
        return [s.text for s in app.screen._compositor.render_strips()]


async def test_a_refused_host_leaves_the_last_line_room_at_80_columns(
    sshd_server, tmp_path: Path
) -> None:
    """Walked on 200 sshd hosts, some stopped: "connection refused" in the failure column
    left the last line 3 cells ("connect…"). At 80 columns the failure leads the last
    line instead (once: the line already says it), which keeps its room. The reason above
    the output names where the port was written, as exec does: 'connection refused by
    127.0.0.1:PORT' named no file to correct a mistyped port in."""
    lines = await _failed_at_80(sshd_server, tmp_path, "true", ["app-03"])
    header = next(line for line in lines if line.lstrip().startswith("Host "))
    row = next(line for line in lines if line.lstrip().startswith("app-03"))
    assert "Failure / Last line" in header, header
    said = row.split("  1  ", 1)[-1].strip()  # after the try
    assert said.startswith("connection refused by 127.0"), row
    assert row.count("connection refused") == 1, row
    assert len(said) >= 24, row  # LAST_MIN: it read "connect…"
    assert all(len(line.rstrip()) <= 80 for line in lines)
    start = next(i for i, line in enumerate(lines) if line.startswith(" ✘ connection refused"))
    why = "".join(line.strip() for line in lines[start : start + 4])  # wrapped anywhere
    port = re.search(r"127\.0\.0\.1:(\d+)", why)[1]  # type: ignore[index]
    inventory = tmp_path / "config" / "inventory.toml"
    line = inventory.read_text().splitlines().index(f"port = {port}") + 1
    said = f"{port}; its port: {inventory}:{line}: port = {port}$"
    assert said.replace(" ", "") in why.replace(" ", ""), why


async def test_a_host_retried_under_problems_only_keeps_its_place(sshd_server, tmp_path: Path):
    """Walked on 200 sshd hosts: with p on, web-005, web-050 and api-010 retried came
    back as web-050, api-010, web-005: a row that left the grid while its host ran was
    added again at its foot. They keep the step's order."""
    commands = {"action": "test ! -e broken", "verify": "true"}
    config, sandboxes = _config(sshd_server, tmp_path, commands=commands)
    for host in ("app-01", "app-02", "app-03"):
        (sandboxes[host] / "broken").write_text("")
    app = build_app(load_settings(config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await _restore(pilot)
        state = app.conductor.state
        step = state.step("restore")
        await until(pilot, lambda: step.status is StepStatus.FAILED, 60)
        await app.push_screen("execution")
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.press("p")
        hosts = ["app-01", "app-02", "app-03"]
        await until(pilot, lambda: _shown(app)[:2] == (hosts, "app-01"))
        app.start_run("restore", only_hosts=["app-01"])  # fails again
        await _yes(pilot)
        await until(pilot, lambda: state.step("restore").hosts["app-01"].attempt == 2, 60)
        failed = HostStatus.FAILED
        await until(pilot, lambda: state.step("restore").hosts["app-01"].status is failed, 60)
        await until(pilot, lambda: sorted(_shown(app)[0]) == hosts)
        await pilot.pause(0.2)
        assert _shown(app)[0] == hosts


async def test_alike_failures_say_their_class_once_a_group_at_80_columns(
    sshd_server, tmp_path: Path
) -> None:
    """Walked on 120 sshd hosts at 80x24 (helper-138): 118 rows each read `non-zero exit:
    exit status 1`. The first of the rows that fail alike says the class, the rows under
    it their own words; a host failing otherwise says its own again."""
    lines = await _failed_at_80(sshd_server, tmp_path, "exit 3")
    rows = {line.split()[0]: line for line in lines if line.lstrip().startswith("app-0")}
    assert list(rows)[:5] == ["app-01", "app-02", "app-03", "app-04", "app-05"], lines
    assert rows["app-01"].rstrip().endswith("non-zero exit: exit status 3"), rows
    assert rows["app-02"].rstrip().endswith("    exit status 3"), rows
    assert "non-zero exit" not in rows["app-02"] + rows["app-05"], rows
    assert "connection refused by 127.0" in rows["app-03"], rows
    assert rows["app-04"].rstrip().endswith("non-zero exit: exit status 3"), rows


def test_run_says_where_a_refused_hosts_port_was_written(sshd_server, tmp_path: Path) -> None:
    """`run`'s closing lines on the hosts that did not succeed named app-03 'connection
    refused by 127.0.0.1:PORT' and no file, where exec, verify and the console name the
    line that wrote its port."""
    from tests.console_process import console

    config, _ = _config(sshd_server, tmp_path, commands={"action": "true", "verify": "true"})
    _refusing(config, "app-03")
    inventory = config / "inventory.toml"
    env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(tmp_path / "state")}
    run = ["--config", str(config), "--systems", "app", "--strategy", "pin-release"]
    done = console("run", *run, "--trigger", "user-impact", "--reason", "r", "--yes", env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    port = re.search(r"app-03: .*127\.0\.0\.1:(\d+)", done.stdout)[1]  # type: ignore[index]
    line = inventory.read_text().splitlines().index(f"port = {port}") + 1
    assert f":{port}; its port: {inventory}:{line}: port = {port}" in done.stdout, done.stdout
