"""The picker checks every host over SSH: what each answered, shown and journalled."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from console.demo.faults import Fault, FaultKind
from console.demo.fleet import DemoFleet
from console.journal.describe import describe
from console.model.events import Kind
from console.model.settings import Settings
from console.model.status import FailureClass
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.dialogs import ConfirmDialog
from console.ui.screens.hostkeys import fingerprint_of
from console.ui.screens.picker import PickerScreen
from console.ui.screens.trigger import TriggerScreen
from console.ui.widgets.host_tree import HostTree
from tests.fleet_settings import sshd_settings
from tests.test_reach import closed_port
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    demo_settings,
    until,
    until_shown,
)

FAULTS = [Fault(FaultKind.REFUSE_AUTH, "db-1"), Fault(FaultKind.WRONG_HOSTKEY, "api-2")]
AUTH_FAILED = "authentication failed: Permission denied for user responder on host 127.0.0.1"
# Every host here answers, maybe late on a loaded machine: the demo fleet's 3 s bounds
# (for its silent host, not used here) read a late login as unreachable.
SSH_SECONDS = 30.0
REACH_SECONDS = 120.0  # a connection, a login and `true`, each within SSH_SECONDS


def patient(settings: Settings) -> Settings:
    """The fleet's settings with SSH_SECONDS to connect, log in and run `true`."""
    data = settings.dumped()
    data["inventory"]["ssh"] |= {"connect_timeout": SSH_SECONDS, "login_timeout": SSH_SECONDS}
    return Settings.validated(data)


def tree_lines(tree: HostTree) -> dict[str, str]:
    """Each node's label as text, by system or host name."""
    out = {}
    for system in tree.root.children:
        out[system.data[1]] = str(system.label)
        for host in system.children:
            out[host.data[1]] = str(host.label)
    return out


async def open_picker(pilot: Pilot, hosts: int = 7) -> PickerScreen:
    """Declare a manual trigger with keys, and land on the picker with every host checked."""
    app = pilot.app
    await declare_and_pick(pilot, "checkout fails")
    await until(
        pilot,
        lambda: len(app.reach.results) == hosts and not app.reach.checking,
        timeout=REACH_SECONDS,
    )
    await pilot.pause(0.2)  # the side panel is redrawn in batches
    return app.screen


async def test_the_picker_shows_each_hosts_answer_and_journals_the_failures(
    tmp_path: Path,
) -> None:
    async with DemoFleet(demo_settings(), FAULTS) as fleet:
        app = build_app(patient(fleet.settings), tmp_path / "incidents", check_reach=True)
        async with app.run_test(size=(80, 24)) as pilot:
            picker = await open_picker(pilot)
            lines = tree_lines(picker.host_tree)
            assert "✔ up" in lines["web-1"] and "✔ up" in lines["api-1"]
            assert "✘ host key mismatch" in lines["api-2"]
            assert "✘ authentication failed" in lines["db-1"]
            assert "✘ 1 not up" in lines["db"] and "not up" not in lines["web"]
            side = str(picker.query_one("#reach", Static).render())
            assert "SSH check (all 7): ✔ 5 up · ✘ 2 not up" in side
            for _ in range(8):  # the cursor to db-1: its reason is shown
                await pilot.press("down")
            shown = str(picker.query_one("#reach", Static).render())  # folded to the panel
            assert f"db-1: {AUTH_FAILED}" in " ".join(shown.splitlines())
            await pilot.press("up", "space")  # the db system
            await until_shown(pilot, "#reach", "SSH check (selected 2): ✔ 1 up · ✘ 1 not up")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            selected = [
                e for e in app.conductor.recorder.events if e.kind == Kind.SYSTEMS_SELECTED
            ][-1]
            failed = selected.data.ssh_check_failed
            assert list(failed) == ["db-1"] and failed["db-1"].startswith(f"{AUTH_FAILED}; keys")
            warned = [n.message for n in app._notifications]
            assert any(m.startswith("db-1 failed the SSH check") for m in warned)
            assert f"failing the SSH check when picked: db-1 ({AUTH_FAILED}; keys offered: " in (
                describe(selected)
            )


def forget_key(fleet: DemoFleet, host: str) -> None:
    """Drop `host`'s line from the fleet's known_hosts: its key becomes unknown."""
    port = fleet.settings.inventory.host(host).port
    known = fleet.root / "known_hosts"
    lines = known.read_text().splitlines()
    known.write_text("\n".join(ln for ln in lines if f"]:{port} " not in ln) + "\n")


async def test_k_accepts_an_unknown_key_from_the_picker_and_checks_again(tmp_path: Path) -> None:
    async with DemoFleet(demo_settings()) as fleet:
        forget_key(fleet, "web-2")
        app = build_app(patient(fleet.settings), tmp_path / "incidents", check_reach=True)
        async with app.run_test(size=(80, 24)) as pilot:
            picker = await open_picker(pilot)
            assert "? host key unknown" in tree_lines(picker.host_tree)["web-2"]
            await pilot.press("down", "down")  # web-2
            await until_shown(pilot, "#reach", "k shows its fingerprint, to compare and accept")
            await pilot.press("k")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            offered = fingerprint_of(app.reach.results["web-2"])
            question = str(app.screen.query_one(".dialog-text").render())
            port = fleet.settings.inventory.host("web-2").port
            assert offered and offered in question
            assert f"[127.0.0.1]:{port} is not in {fleet.root / 'known_hosts'}" in question
            await pilot.press("y")
            await until(pilot, lambda: app.reach.results["web-2"].ok, timeout=REACH_SECONDS)
            assert "✔ up" in tree_lines(picker.host_tree)["web-2"]
            assert app.conductor is None  # recorded with the declaration, when it is made
            await pilot.press("space", "enter")
            await until(pilot, lambda: app.conductor is not None)
            accepted = [e for e in app.conductor.recorder.events if e.kind == Kind.HOSTKEY_ACCEPTED]
            assert [(e.where.host, e.data.fingerprint) for e in accepted] == [("web-2", offered)]


async def test_a_key_accepted_before_going_back_is_still_recorded_with_the_declaration(
    tmp_path: Path,
) -> None:
    """Walked at 80x24: k, y on an unknown key ("written to known_hosts and journalled"),
    Esc back to the trigger, Ctrl+S to the picker again, the system, Enter: the incident
    opened with no hostkey.accepted (the picker left had held it). The acceptance now waits
    with the console until the declaration opens the incident; quitting first says so."""
    from console.ui.screens.picker import PickerScreen
    from console.ui.screens.trigger import TriggerScreen

    async with DemoFleet(demo_settings()) as fleet:
        forget_key(fleet, "web-2")
        app = build_app(patient(fleet.settings), tmp_path / "incidents", check_reach=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await open_picker(pilot)
            await pilot.press("down", "down")  # web-2
            await until_shown(pilot, "#reach", "k shows its fingerprint, to compare and accept")
            await pilot.press("k")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            offered = fingerprint_of(app.reach.results["web-2"])
            await pilot.press("y")
            await until(pilot, lambda: app.reach.results["web-2"].ok, timeout=REACH_SECONDS)
            said = [n.message for n in app._notifications]
            assert any("journalled in the incident once it is declared" in m for m in said), said
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            await pilot.press("ctrl+q")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            question = str(app.screen.query_one(".dialog-text").render())
            assert "nor the host key you accepted for web-2" in question, question
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, PickerScreen))
            await pilot.press("space", "enter")
            await until(pilot, lambda: app.conductor is not None)
            accepted = [e for e in app.conductor.recorder.events if e.kind == Kind.HOSTKEY_ACCEPTED]
            assert [(e.where.host, e.data.fingerprint) for e in accepted] == [("web-2", offered)]


@pytest.mark.sshd
async def test_ctrl_r_checks_again_and_sees_a_host_go_away(tmp_path: Path, sshd_server) -> None:
    settings, _ = sshd_settings(sshd_server, {"web-1": "web", "web-2": "web"})
    app = build_app(settings, tmp_path / "incidents", check_reach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot, hosts=2)
        assert "✔ up" in tree_lines(picker.host_tree)["web-1"]
        sshd_server.server.stop()  # its connections die with it
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not app.reach.checking)
        # the dead connection is dropped and a new one tried: the port is closed now
        assert app.reach.results["web-1"].failure is FailureClass.REFUSED
        assert "✘ connection refused" in tree_lines(picker.host_tree)["web-1"]


def _with_ports(settings: Settings, ports: dict[str, int]) -> Settings:
    data = settings.dumped()
    for system in data["inventory"]["systems"]:
        for host in system["hosts"]:
            host["port"] = ports.get(host["name"], host["port"])
    return Settings.validated(data)


@pytest.mark.sshd
async def test_hosts_not_up_among_many_are_named_in_the_side_pane(tmp_path: Path, sshd_server):
    """Seen at 80x24 on a real fleet of 52: the pane said '✘ 3 not up' and nothing more;
    the three were rows 24, 51 and 52 of the tree, out of sight. The pane now names each
    (in the tree's order, with its failure class): the name to type in the filter."""
    names = [f"web-{n:02d}" for n in range(1, 31)]
    settings, _ = sshd_settings(sshd_server, dict.fromkeys(names, "web"))
    closed = closed_port()
    settings = _with_ports(settings, {"web-23": closed, "web-30": closed})
    app = build_app(settings, tmp_path / "incidents", check_reach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot, hosts=30)
        lines = str(picker.query_one("#reach", Static).render()).splitlines()
        assert "SSH check (all 30): ✔ 28 up · ✘ 2 not up" in lines, lines
        at = lines.index("✘ web-23: connection refused")
        assert lines[at + 1] == "✘ web-30: connection refused", lines
        rows = [picker.host_tree.render_line(y).text for y in range(picker.host_tree.size.height)]
        assert not any("web-23" in row for row in rows)  # out of the tree's sight


@pytest.mark.sshd
async def test_many_hosts_not_up_are_counted_by_why_and_no_label_is_cut_mid_word(
    tmp_path: Path, sshd_server
):
    """Seen at 80x24 on 200 real hosts (a stopped sshd, keys not yet trusted): the pane
    named four and said '+24 more not up', two things to do hidden in one count; the tree
    cut labels mid-word ('✘ 10 not u', '✘ authentication f', '? host key unkno')."""
    names = [f"web-{n:02d}" for n in range(1, 31)]
    settings, _ = sshd_settings(sshd_server, dict.fromkeys(names, "web"))
    closed = closed_port()
    settings = _with_ports(
        settings, dict.fromkeys(["web-23", "web-24", "web-25", "web-30"], closed)
    )
    data = settings.dumped()
    for host in data["inventory"]["systems"][0]["hosts"]:
        if host["name"] in ("web-05", "web-06", "web-07", "web-08", "web-09"):
            host["user"] = "nobody-here"
    settings = Settings.validated(data)
    app = build_app(settings, tmp_path / "incidents", check_reach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot, hosts=30)
        lines = str(picker.query_one("#reach", Static).render()).splitlines()
        assert "SSH check (all 30): ✔ 21 up · ✘ 9 not up" in lines, lines
        assert "✘ web-08: authentication failed" in lines, lines
        at = next(i for i, line in enumerate(lines) if line.startswith("+5 more"))
        more = " ".join(lines[at : at + 2])  # folded to the pane's width
        assert more == "+5 more: 4 connection refused, 1 authentication failed", lines
        picker.query_one("#filter", Input).value = "web-0"  # 9 of 30 shown
        await until(pilot, lambda: "web-10" not in tree_lines(picker.host_tree))
        rows = [picker.host_tree.render_line(y).text for y in range(picker.host_tree.size.height)]
        assert rows[0].strip() == "▼ ☐ web  0/30, 9 shown  ✘ 9", rows  # whole words only
        assert "☐ web-05  ✘ auth failed" in rows[5], rows


@pytest.mark.sshd
async def test_hosts_behind_a_jump_host_that_is_down_are_said_to_be_so(tmp_path: Path, sshd_server):
    """Seen at 80x24 with a bastion down: the pane said '✘ api-1: connection refused' for
    each host behind it, as if each refused; only the cursor's host said the bastion did."""
    names = [f"web-{n}" for n in range(1, 4)]
    settings, _ = sshd_settings(sshd_server, dict.fromkeys(names, "web"))
    closed = closed_port()
    data = settings.dumped()
    for host in data["inventory"]["systems"][0]["hosts"]:
        if host["name"] != "web-1":
            host["jump_host"] = f"{sshd_server.server.user}@127.0.0.1:{closed}"
    app = build_app(Settings.validated(data), tmp_path / "incidents", check_reach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        picker = await open_picker(pilot, hosts=3)
        said = " ".join(str(picker.query_one("#reach", Static).render()).splitlines())
        assert "✘ web-2: connection refused at jump host 127.0.0.1 ✘ web-3" in said, said
        assert "✘ web-3: connection refused at jump host 127.0.0.1" in said, said


@contextmanager
def fleet_in_thread(
    settings: Settings, faults: list[Fault], root: Path | None = None
) -> Iterator[DemoFleet]:
    """The demo fleet on a loop of its own: snap_compare runs the app on a loop it owns."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fleet = DemoFleet(settings, faults, root=root)
    asyncio.run_coroutine_threadsafe(fleet.start(), loop).result(30)
    try:
        yield fleet
    finally:
        asyncio.run_coroutine_threadsafe(fleet.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_picker_with_answers_snapshot(snap_compare, tmp_path: Path, size, monkeypatch) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_picker(pilot)
        await pilot.press(*["down"] * 8)  # db-1, whose reason is shown beside
        await pilot.pause(0.2)

    monkeypatch.setenv("HOME", str(tmp_path))  # the keys db-1 was offered: ~/demo/client_key
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)  # and no agent, wherever it runs
    with fleet_in_thread(demo_settings(), FAULTS, tmp_path / "demo") as fleet:
        app = build_app(patient(fleet.settings), tmp_path / "incidents", check_reach=True)
        assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_a_long_reason_breaks_on_words_and_after_a_path_separator(tmp_path: Path) -> None:
    """api-2's host key mismatch names the fleet's known_hosts path (40 characters): it
    broke mid-word ('/tmp/rollback-demo-…/known_hos' then 'ts,') when the side panel was
    narrower. The reason is folded on its spaces (a path too wide breaks after its '/':
    tests/test_fold_text.py); at 80x24 the panel holds the path whole."""
    async with DemoFleet(demo_settings(), FAULTS) as fleet:
        app = build_app(patient(fleet.settings), tmp_path / "incidents", check_reach=True)
        async with app.run_test(size=(80, 24)) as pilot:
            picker = await open_picker(pilot)
            for _ in range(6):  # the cursor to api-2
                await pilot.press("down")
            await pilot.pause(0.2)
            label = picker.query_one("#reach", Static)
            shown = str(label.render())
            # the cursor's reason, after the list of hosts not up ('✘ api-2: host key mismatch')
            reason = shown[shown.rindex("api-2: host key mismatch") :].split("\n^r")[0]
            width = label.content_size.width
            lines = reason.splitlines()
            assert all(len(line) <= width for line in lines), lines
            # the known_hosts line that records the old key: its path whole on one line
            assert any(line.startswith(f"{fleet.root}/known_hosts:") for line in lines), lines
            said = f"api-2: {app.reach.results['api-2'].describe()}"  # every character kept
            assert "".join(lines).replace(" ", "") == said.replace(" ", "")


async def test_at_80x24_tags_are_whole_and_a_fingerprint_is_on_one_line(tmp_path: Path) -> None:
    """At 80x24 api-2's row read '✘ host key mismatch  us-' (its tag cut at the tree's
    edge), and its offered fingerprint broke over two lines of the side panel. Now a row
    shows its tags whole, then '+N' for those left out, or none; the fingerprint's key
    part is on a line of its own, whole."""
    async with DemoFleet(demo_settings(), FAULTS) as fleet:
        app = build_app(patient(fleet.settings), tmp_path / "incidents", check_reach=True)
        async with app.run_test(size=(80, 24)) as pilot:
            picker = await open_picker(pilot)
            tree = picker.host_tree
            rows = [tree.render_line(y).text.rstrip() for y in range(tree.size.height)]
            for host in (h for s in app.settings.inventory.systems for h in s.hosts):
                (row,) = [r for r in rows if f" {host.name}  " in r]
                shown = row.split("  ")[-1] if host.tags else ""
                if shown.startswith(("✔", "✘", "…")):
                    shown = ""  # no room for a tag: none
                whole = ", ".join(host.tags)
                kept = shown.rsplit(" +", 1)[0] if " +" in shown else shown
                assert shown in ("", whole) or whole.startswith(f"{kept}, "), (row, host.tags)
            for _ in range(6):  # the cursor to api-2
                await pilot.press("down")
            await pilot.pause(0.2)
            said = app.reach.results["api-2"].describe()
            key = said[said.index("SHA256:") + len("SHA256:") :].split()[0]
            lines = str(picker.query_one("#reach", Static).render()).splitlines()
            assert key in lines, lines


@pytest.mark.sshd
async def test_going_on_with_many_hosts_not_up_names_a_few_in_its_warning(
    tmp_path: Path, sshd_server
):
    """At 1,000 hosts, one stopped sshd is 16 hosts not up, a dead switch hundreds: the
    warning on going on named every one of them; now the first 4, as the side pane."""
    names = [f"web-{n:02d}" for n in range(1, 9)]
    settings, _ = sshd_settings(sshd_server, dict.fromkeys(names, "web"))
    closed = closed_port()
    settings = _with_ports(settings, dict.fromkeys(names[2:], closed))
    app = build_app(settings, tmp_path / "incidents", check_reach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_picker(pilot, hosts=8)
        await pilot.press("space", "enter")  # the web system, all 8
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        warned = [n.message for n in app._notifications if "SSH check" in n.message]
        assert warned == [
            "web-03, web-04, web-05, web-06 and 2 more failed the SSH check: steps will fail"
            " there until it answers. The record says so."
        ], warned


async def test_hosts_not_up_are_named_in_the_configurations_order(tmp_path: Path) -> None:
    """Walked on 200 sshd hosts (web's 120, then api's 80), three stopped: with every host
    picked, the side pane and the warning on going on named api-010 first, then web-005
    and web-050 (sorted), where everything else reads web before api."""
    faults = [Fault(FaultKind.REFUSE_AUTH, "api-1"), Fault(FaultKind.REFUSE_AUTH, "web-2")]
    async with DemoFleet(demo_settings(), faults) as fleet:
        app = build_app(patient(fleet.settings), tmp_path / "incidents", check_reach=True)
        async with app.run_test(size=(80, 24)) as pilot:
            picker = await open_picker(pilot)
            await pilot.press("space")  # web
            for _ in range(4):  # web's three hosts, then api
                await pilot.press("down")
            await pilot.press("space")
            await until_shown(pilot, "#reach", "SSH check (selected 5)")
            side = str(picker.query_one("#reach", Static).render())
            assert side.index("web-2") < side.index("api-1"), side
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
            warned = [n.message for n in app._notifications]
            assert any(m.startswith("web-2, api-1 failed the SSH check") for m in warned), warned


async def test_a_picker_left_while_its_check_runs_leaves_the_check_to_its_end(
    tmp_path: Path,
) -> None:
    """The check was the picker's worker: random keys at 80x24 left a picker before its
    worker began, the check ran on with no one to end it, and its answers, told to the
    screen gone, ended the console ('NoMatches: No nodes match '#reach''). It is the app's
    now: it runs to its end whichever screen is shown (its connections stay for the
    rollback), and only the picker shown hears it."""
    silent = 10.0  # db-2 takes the connection and never speaks: its answer comes this late
    async with DemoFleet(demo_settings(), [Fault(FaultKind.UNREACHABLE, "db-2")]) as fleet:
        data = fleet.settings.dumped()
        data["inventory"]["ssh"] |= {"connect_timeout": silent, "login_timeout": silent}
        settings = Settings.validated(data)
        app = build_app(settings, tmp_path / "incidents", check_reach=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await declare_and_pick(pilot, "checkout fails")
            await pilot.press("escape")  # back to the declaration while db-2 is checked
            await until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            await until(pilot, lambda: "db-2" in app.reach.results, timeout=REACH_SECONDS)
            assert app.reach.results["db-2"].failure is FailureClass.UNREACHABLE
            assert app.reach.listener is None and app.is_running
            await pilot.press("enter")  # the picker again hears its own check
            await until(pilot, lambda: isinstance(app.screen, PickerScreen))
            assert app.reach.listener is not None


@pytest.mark.sshd
async def test_hosts_not_dialled_for_want_of_open_files_are_said_so(tmp_path: Path, sshd_server):
    """The check said "✘ unreachable" of hosts this jump host never dialled, its open files
    run out (the pool's room for connections taken: exec printed 'not dialled: ... ulimit
    -n'), as if they were down. The tree, the pane and the cursor's line say the cause."""
    settings, _ = sshd_settings(sshd_server, {"web-1": "web", "web-2": "web"})
    app = build_app(settings, tmp_path / "incidents", check_reach=True)
    async with app.run_test(size=(80, 24)) as pilot:
        app.reach.pool.files.size = 0  # the open files left for connections: none
        picker = await open_picker(pilot, hosts=2)
        lines = str(picker.query_one("#reach", Static).render()).splitlines()
        assert "✘ web-1: not dialled: no open files left" in lines, lines
        await pilot.press("down")  # the cursor on web-1: why, in the jump host's words
        await until(pilot, lambda: "ulimit -n" in str(picker.query_one("#reach").render()))
        said = " ".join(str(picker.query_one("#reach", Static).render()).splitlines())
        assert "web-1: not dialled: this process's open files ran out on this jump" in said
        assert "unreachable" not in said, said
        assert "✘ not dialled" in tree_lines(picker.host_tree)["web-1"]
