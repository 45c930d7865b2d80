"""No remote process outlives the console, on a real OpenSSH sshd: `kill -9` of a real
`rollback-console exec` or `run` leaves nothing running on the host. When the session
could not tell the host (a network partition: sshd never sees the loss), the resumed
console finds the earlier attempt still running, says so, and neither verifies nor
retries beside it until the commander has chosen."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from textual.notifications import Notification

from console.engine.conductor import new_incident_id
from console.engine.session import Engine
from console.engine.ssh import SshPool
from console.engine.targets import targets_for
from console.journal.export.document import build_document
from console.journal.export.markdown import render_markdown
from console.journal.store import read_journal
from console.journal.times import utc
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.payloads import CommandIntent
from console.model.state import HostStatus, StepStatus
from console.model.templates import in_workdir
from console.ui.app import make_app
from console.ui.screens.attempts import AttemptsDialog
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.confirm_run import RunConfirm
from tests.fleet_settings import sshd_settings, write_config
from tests.partition import Partition
from tests.sshd import silent_port
from tests.test_ui_support import until

pytestmark = pytest.mark.sshd

SLEEPER = "sh -c 'echo $$ > sleeper.pid; exec sleep 60'"
# web-1's first restart hangs (after the action switched `current`): the console is
# killed while its command runs there.
SLOW_RESTART = "if [ ! -e .slept ]; then : > .slept; echo $$ > restart.pid; sleep 60; fi\n"
RUN = [
    "run", "--systems", "web", "--strategy", "version-rollback", "--param", "target=2.4.0",
    "--trigger", "stakeholder-decision", "--reason", "kill -9 test", "--yes", "--quiet",
]  # fmt: skip
WAIT = 30.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    except (FileNotFoundError, ProcessLookupError):  # it ended between the two looks
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie waits for init, it runs nothing


def account_processes(user: str) -> list[tuple[int, int, str]]:
    """(pid, process group, arguments) of every live process of the test account."""
    out = subprocess.run(
        ["ps", "-u", user, "-o", "pid=,pgid=,stat=,args="],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    found = []
    for line in out.splitlines():
        pid, pgid, stat, args = [*line.split(None, 3), ""][:4]
        if not stat.startswith("Z"):
            found.append((int(pid), int(pgid), args))
    return found


def attempts_ended(user: str, journal: Path) -> None:
    """Return once no process of `user` carries an attempt token of `journal`: the
    commands of a run killed (or released) have ended on the hosts. Their supervisor ends
    them as the connection closes, which a loaded machine takes a moment to do; a verify
    before then rightly finds 'the earlier attempt is still running'."""
    tokens = [
        f"rollback-attempt={e.data.token}"
        for e in read_journal(journal).events
        if e.kind == Kind.COMMAND_INTENT and e.data.token
    ]
    for _ in range(900):  # bounded: 90 s
        if not any(t in args for _, _, args in account_processes(user) for t in tokens):
            return
        time.sleep(0.1)
    raise AssertionError("the killed run's commands still run on the hosts after 90 s")


def started(user: str, tokens: list[str]) -> bool:
    """Whether a live process of the account carries each of `tokens`: the commands of
    those attempts run (a command's intent is written before it is sent)."""
    args = [a for _, _, a in account_processes(user)]
    return all(any(t in a for a in args) for t in tokens)


def _wait_for(condition, what: str, seconds: float = WAIT) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _settled(journal: Path, host: str, step: str = "restore") -> bool:
    """Whether `host` finished `step` (its final result is in the journal)."""
    if not (journal / "journal.jsonl").is_file():
        return False
    return any(
        e.kind == Kind.COMMAND_RESULT
        and e.where.host == host
        and e.where.step == step
        and e.data.final
        for e in read_journal(journal).events
    )


def _pid(path: Path) -> int:
    _wait_for(lambda: path.is_file() and path.read_text().strip(), f"{path}")
    return int(path.read_text())


class Attempt:
    """The remote processes one killed console left: their process groups, from the
    journal's attempt tokens as `ps` shows them, and the command's own pids."""

    def __init__(self, user: str, journal: Path, pids: list[int]):
        self.user = user
        tokens = [
            e.data.token
            for e in read_journal(journal).events
            if e.kind == Kind.COMMAND_INTENT and e.data.token
        ]
        self.pids = pids
        self.groups = {
            pgid
            for _, pgid, args in account_processes(user)
            if any(f"rollback-attempt={t}" in args for t in tokens)
        }
        assert self.groups, "the running commands carry their attempt's token"
        assert all(_alive(p) for p in pids)

    def survivors(self) -> list[str]:
        left = [a for _, pgid, a in account_processes(self.user) if pgid in self.groups]
        return left + [f"pid {p}" for p in self.pids if _alive(p)]


def console(args: list[str], state: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "console", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
    )


def kill_9(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def fleet(
    sshd_server,
    tmp_path: Path,
    hosts: list[str],
    port: int | None = None,
    ports: dict[str, int] | None = None,
    **ssh: float,
):
    """A configuration directory for `hosts` of `web` on the real sshd (through `port`,
    or each host's of `ports`, when given; `ssh`: inventory SSH settings), written as the
    README says; its sandboxes."""
    settings, sandboxes = sshd_settings(sshd_server, dict.fromkeys(hosts, "web"))
    ports = ports or ({h: port for h in hosts} if port is not None else {})
    if ports or ssh:
        data = settings.dumped()
        data["inventory"]["ssh"].update(ssh)
        for host in data["inventory"]["systems"][0]["hosts"]:
            host["port"] = ports.get(host["name"], host["port"])
        keytype, blob = sshd_server.server.host_public_key.split()[:2]
        with sshd_server.known_hosts.open("a") as handle:
            for number in set(ports.values()):
                handle.write(f"[127.0.0.1]:{number} {keytype} {blob}\n")
        settings = settings.validated(data)
    config = write_config(
        tmp_path / "config", settings, lock_dir=tmp_path / "locks", journal_dir=tmp_path / "j"
    )
    return config, sandboxes


def test_kill_9_of_exec_leaves_no_remote_process(sshd_server, tmp_path):
    hosts = ["web-1", "web-2", "web-3"]
    config, sandboxes = fleet(sshd_server, tmp_path, hosts)
    state = tmp_path / "state"
    done = subprocess.run(
        [sys.executable, "-m", "console", "exec", "--config", str(config), "--systems", "web", "true"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not done.stderr, "the supervisor adds nothing to the command's output"
    # A command that ends leaves nothing behind either (no watcher, no wrapper). Other
    # tests may run commands as this account meanwhile: only this run's tokens count.
    (first,) = (tmp_path / "j").glob("*/journal.jsonl")
    tokens = [
        e.data.token
        for e in read_journal(first).events
        if isinstance(e.data, CommandIntent) and e.data.token
    ]
    assert len(tokens) == len(hosts)
    left = account_processes(sshd_server.account.name)
    assert not [a for _, _, a in left if any(f"rollback-attempt={t}" in a for t in tokens)]

    before = {first}
    exec_ = console(["exec", "--config", str(config), "--systems", "web", SLEEPER], state)
    try:
        pids = [_pid(sandboxes[h] / "sleeper.pid") for h in hosts]
        (found,) = set((tmp_path / "j").glob("*/journal.jsonl")) - before
        attempt = Attempt(sshd_server.account.name, found, pids)
    finally:
        kill_9(exec_)
    _wait_for(lambda: not attempt.survivors(), "the remote processes to end")
    assert not attempt.survivors()


@contextlib.contextmanager
def sleeping_exec(sshd_server, tmp_path: Path, hosts: list[str]):
    """`exec` of SLEEPER on `hosts`, once it sleeps on each: it, their pids, its journal."""
    config, sandboxes = fleet(sshd_server, tmp_path, hosts)
    exec_ = console(["exec", "--config", str(config), "--systems", "web", SLEEPER], tmp_path / "s")
    try:
        pids = [_pid(sandboxes[h] / "sleeper.pid") for h in hosts]
        (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
        yield exec_, pids, journal
    finally:
        exec_.kill()
        exec_.wait(timeout=30)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_ctrl_c_or_term_of_exec_aborts_its_commands_and_says_so(sshd_server, tmp_path, signum):
    hosts = ["web-1", "web-2"]
    with sleeping_exec(sshd_server, tmp_path, hosts) as (exec_, pids, journal):
        attempt = Attempt(sshd_server.account.name, journal, pids)
        exec_.send_signal(signum)
        assert exec_.wait(timeout=60) == 1
        said = exec_.stderr.read()
    assert not attempt.survivors(), "stopped before exec returned"
    # Aborted, as run says it: they read "FAILED", the incident "failed" (seen with SIGHUP
    # on a real sshd fleet: "5 FAILED ... ad-hoc command failed on 5 host(s)").
    counted = "exec: 2 of 2 host(s) did not succeed: 2 ABORTED (web-1, web-2)\n"
    assert said.endswith(
        f"{counted}exec: ABORTED: interrupted by {signum.name}; journal {journal}\n"
    )
    assert f"web-1: ABORTED (killed by signal): aborted: interrupted by {signum.name}" in said
    events = read_journal(journal).events
    (aborted,) = [e for e in events if e.kind == Kind.RUN_ABORTED]
    assert aborted.data.reason == f"interrupted by {signum.name}"
    results = [e for e in events if e.kind == Kind.COMMAND_RESULT]
    assert sorted(e.where.host for e in results if e.data.aborted) == hosts
    assert [e.kind for e in events[-2:]] == [Kind.LOCK_RELEASED, Kind.INCIDENT_CLOSED]
    assert events[-1].data.outcome == "aborted"
    assert events[-1].data.reason == f"ad-hoc command on 2 host(s): interrupted by {signum.name}"


def test_a_session_that_sshd_finds_lost_ends_its_command(sshd_server, tmp_path):
    """The network cut, then the console killed: sshd does not know, and the command
    runs on; once sshd finds the session lost (its side of the connection closes, as
    when ClientAliveCountMax gives up), the command ends."""
    state = tmp_path / "state"
    with Partition(sshd_server.server.port) as partition:
        config, sandboxes = fleet(sshd_server, tmp_path, ["web-1"], partition.port)
        exec_ = console(["exec", "--config", str(config), "--systems", "web", SLEEPER], state)
        try:
            pid = _pid(sandboxes["web-1"] / "sleeper.pid")
            (found,) = (tmp_path / "j").glob("*/journal.jsonl")
            attempt = Attempt(sshd_server.account.name, found, [pid])
        finally:
            kill_9(exec_)
        assert attempt.survivors(), "sshd has not noticed yet"
    _wait_for(lambda: not attempt.survivors(), "the remote processes to end")


def test_kill_9_of_run_then_resume_verifies_the_unknown_host(sshd_server, tmp_path):
    config, sandboxes = fleet(sshd_server, tmp_path, ["web-1", "web-2"])
    restart = sandboxes["web-1"] / "bin" / "restart"
    shebang, rest = restart.read_text().split("\n", 1)
    restart.write_text(f"{shebang}\n{SLOW_RESTART}{rest}")
    journal = tmp_path / "incident"
    run = console([*RUN, "--config", str(config), "--journal", str(journal)], tmp_path / "state")
    try:
        pid = _pid(sandboxes["web-1"] / "restart.pid")
        _wait_for(lambda: _settled(journal, "web-2"), "web-2 to finish the restore")
        attempt = Attempt(sshd_server.account.name, journal / "journal.jsonl", [pid])
    finally:
        kill_9(run)
    _wait_for(lambda: not attempt.survivors(), "the remote processes to end")

    async def resume_and_verify() -> None:
        settings = load_settings(config)
        engine = Engine.build(settings, threaded_io=True)
        conductor = engine.resume(journal)
        app = make_app(settings, engine, resume=conductor, sample_probes=False, check_reach=False)
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
                assert conductor.state.unknown_hosts == [("restore", "web-1")]
                # Said at once, before any answer (helper-169: a V seen doing nothing); its
                # answer takes its place (7019529f), so the toasts are seen as they are made,
                # not polled: a quick answer had withdrawn it between two looks.
                made: list[str] = []
                lasting_toast = app.lasting_toast

                def seen(message: str, title: str, *args: Any, **kwargs: Any) -> Notification:
                    made.append(title)
                    return lasting_toast(message, title, *args, **kwargs)

                app.lasting_toast = seen
                await pilot.press("v")
                restore = conductor.state.step("restore")
                await until(pilot, lambda: Kind.UNKNOWN_VERIFIED in _kinds(conductor), WAIT)
                assert made == ["Verifying 1 unknown host(s)"]
        finally:
            await engine.close()
        events = conductor.recorder.events
        (checked,) = [e for e in events if e.kind == Kind.ATTEMPT_CHECKED]
        assert (checked.where.host, checked.data.running) == ("web-1", False)
        verify = [e for e in events[checked.seq :] if e.kind == Kind.COMMAND_INTENT]
        assert [(e.where.step, e.where.host, e.data.stage) for e in verify] == [
            ("restore", "web-1", "verify")
        ]
        # The action had switched `current`; the restart was killed before the service
        # followed: the verify says so, and the host is settled as failed, not unknown.
        (verdicts,) = [e.data.verdicts for e in events if e.kind == Kind.UNKNOWN_VERIFIED]
        # (in its own words, its last line on stderr)
        assert verdicts == {"web-1": "verified: failed (its verify: service runs 2.4.1)"}
        run = restore.hosts["web-1"]
        assert run.status is HostStatus.FAILED and run.stage == "verify"
        assert "service runs 2.4.1" in run.last_line
        assert restore.status is StepStatus.FAILED
        assert conductor.state.unknown_hosts == []
        # The document says it at the step: cut short by the console's end, web-1 left
        # unknown, and verified (when, by whom, what was found); it read "failed: 1 failed,
        # 1 succeeded", all that only in the timeline.
        (step,) = [s for s in build_document(events).steps if s.id == "restore"]
        (said,) = step.interrupted
        verified = next(e for e in events if e.kind == Kind.UNKNOWN_VERIFIED)
        killed = next(e for e in events if e.kind == Kind.LOCK_ACQUIRED).data.pid
        assert said.startswith(
            f"interrupted by the console's end (rollback-console run pid {killed} ("
        ), said
        assert " ended without closing it or letting go (killed, or crashed); " in said
        assert said.endswith(
            "): outcome unknown on web-1; then web-1 verified: failed (its verify: service"
            " runs 2.4.1), by"
            f" {verified.who.login} at {utc(verified.ts)} (v after the resume)"
        ), said
        assert said in render_markdown(events)

    asyncio.run(resume_and_verify())


def test_after_a_partition_the_earlier_attempt_is_found_and_stopped_before_a_retry(
    sshd_server, tmp_path
):
    with Partition(sshd_server.server.port) as partition:
        config, sandboxes = fleet(sshd_server, tmp_path, ["web-1", "web-2"], partition.port)
        restart = sandboxes["web-1"] / "bin" / "restart"
        shebang, rest = restart.read_text().split("\n", 1)
        restart.write_text(f"{shebang}\n{SLOW_RESTART}{rest}")
        journal = tmp_path / "incident"
        run = console(
            [*RUN, "--config", str(config), "--journal", str(journal)], tmp_path / "state"
        )
        try:
            pid = _pid(sandboxes["web-1"] / "restart.pid")
            _wait_for(lambda: _settled(journal, "web-2"), "web-2 to finish the restore")
            attempt = Attempt(sshd_server.account.name, journal / "journal.jsonl", [pid])
        finally:
            kill_9(run)
        # sshd never learns that the console is gone: its command runs on.
        assert attempt.survivors()

        async def resume() -> None:
            settings = load_settings(config)
            engine = Engine.build(settings, threaded_io=True)
            conductor = engine.resume(journal)
            app = make_app(
                settings, engine, resume=conductor, sample_probes=False, check_reach=False
            )
            try:
                async with app.run_test(size=(80, 24)) as pilot:
                    await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
                    restore = conductor.state.step("restore").hosts
                    # V: the earlier attempt still runs, so nothing is verified.
                    await pilot.press("v")
                    await until(pilot, lambda: _kinds(conductor).count(Kind.UNKNOWN_VERIFIED))
                    assert restore["web-1"].status is HostStatus.UNKNOWN
                    # The banner is redrawn on the screen's next sync, after the event.
                    await until(
                        pilot,
                        lambda: (
                            "still running" in app.screen.query_one("ModeBanner").render().plain
                        ),
                    )
                    # R: the commander is shown it and chooses; nothing is sent meanwhile.
                    sent = _kinds(conductor).count(Kind.COMMAND_INTENT)
                    await pilot.press("f2", "r")
                    # The dialog is the screen before its report is composed (seen under load).
                    await until(
                        pilot,
                        lambda: (
                            isinstance(app.screen, AttemptsDialog)
                            and len(app.screen.query("#attempts-report Static")) > 0
                        ),
                    )
                    shown = app.screen.query_one("#attempts-report Static").render().plain
                    assert "web-1 in restore: still running" in shown and "sleep 60" in shown
                    assert _kinds(conductor).count(Kind.COMMAND_INTENT) == sent
                    assert attempt.survivors(), "one copy, still running; no second one"
                    await pilot.press("s")  # stop it, then retry (the retry asks first)
                    await until(pilot, lambda: isinstance(app.screen, RunConfirm))
                    await pilot.press("y")
                    await until(
                        pilot,
                        lambda: restore["web-1"].attempt == 2 and not conductor.running,
                        timeout=WAIT,
                    )
                    assert restore["web-1"].status is HostStatus.SUCCEEDED
            finally:
                await engine.close()
            events = conductor.recorder.events
            checks = [e.data.running for e in events if e.kind == Kind.ATTEMPT_CHECKED]
            assert checks == [True, True]  # asked by V, then by R
            (stopped,) = [e for e in events if e.kind == Kind.ATTEMPT_STOPPED]
            assert stopped.data.stopped and stopped.data.groups
            assert conductor.state.unknown_hosts == []

        asyncio.run(resume())
        assert not attempt.survivors()


def _kinds(conductor) -> list[str]:
    return [e.kind for e in conductor.recorder.events]


async def test_a_probe_command_that_times_out_is_stopped_on_the_host(sshd_server):
    """Probes and checks run under the supervisor too: a sample that outlives its timeout
    is stopped on the host, not left running there."""
    settings, sandboxes = sshd_settings(sshd_server, {"web-1": "web"})
    pool = SshPool(settings.inventory.ssh)
    (target,) = targets_for(settings.inventory, ["web-1"])
    try:
        with pytest.raises(TimeoutError):
            await pool.run(target, in_workdir(SLEEPER, target.workdir), 2.0)
        pid = int((sandboxes["web-1"] / "sleeper.pid").read_text())
        deadline = time.monotonic() + WAIT
        while _alive(pid):
            assert time.monotonic() < deadline, "the timed-out probe command still runs"
            await asyncio.sleep(0.1)
    finally:
        await pool.close()


class HeldDoor:
    """127.0.0.1:`port` forwards to `target` only once `release()` is called: a host whose
    handshake is still on its way (a slow link) when something happens."""

    def __init__(self, target: int):
        self.target = target
        self.released = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        self.accepted = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                self.sockets.append(client)
                self.accepted.set()
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        self.released.wait(WAIT)
        with contextlib.suppress(OSError):
            server = socket.create_connection(("127.0.0.1", self.target), timeout=WAIT)
            self.sockets.append(server)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.released.set()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def test_an_abort_while_a_host_is_still_being_reached_sends_it_nothing(sshd_server, tmp_path):
    """Seen on a real sshd fleet: Ctrl+C of exec 70 ms after it started, two hosts still in
    their handshakes (a third one silent): once their connections opened, the command was
    sent anyway and ran its 100 s to the end, exit 0, after 'run.aborted'. A host stopped
    before its command went out now gets nothing, and reads aborted."""
    door = HeldDoor(sshd_server.server.port)
    try:
        config, sandboxes = fleet(sshd_server, tmp_path, ["web-1"], port=door.port)
        exec_ = console(
            ["exec", "--config", str(config), "--systems", "web", "touch ran; sleep 60"],
            tmp_path / "s",
        )
        try:
            _wait_for(door.accepted.is_set, "exec to reach the held door")
            _wait_for(lambda: any((tmp_path / "j").glob("*/journal.jsonl")), "its journal")
            (journal,) = (tmp_path / "j").glob("*/journal.jsonl")
            _wait_for(lambda: "command.intent" in journal.read_text(), "its write-ahead intent")
            exec_.send_signal(signal.SIGINT)
            _wait_for(lambda: "run.aborted" in journal.read_text(), "the abort on record")
            door.released.set()  # the handshake goes on, after the abort
            assert exec_.wait(timeout=WAIT) == 1, exec_.stderr.read()
        finally:
            exec_.kill()
            exec_.wait(timeout=30)
    finally:
        door.close()
    assert not (sandboxes["web-1"] / "ran").exists()
    events = read_journal(journal).events
    (result,) = [e for e in events if e.kind == Kind.COMMAND_RESULT]
    assert result.data.aborted and result.data.exit_status is None


async def _until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_a_detach_while_a_host_is_still_being_reached_sends_it_nothing(sshd_server, tmp_path):
    """D on quit while web-1's handshake is still on its way: once its connection opened,
    its first command was sent anyway (only later stages looked at the detach). A
    detached console sends nothing more: web-1 reads not started, nothing sent, on record
    by the time the detach returns."""
    door = HeldDoor(sshd_server.server.port)
    try:
        config, sandboxes = fleet(sshd_server, tmp_path, ["web-1"], port=door.port)
        settings = load_settings(config)
        engine = Engine.build(settings, threaded_io=True)  # as the console builds it
        try:
            incident = new_incident_id(engine.clock.now())
            conductor = engine.incident(engine.claim(incident, ["web"]))
            conductor.open_incident("detach mid-handshake", incident, with_locks=True)
            running = asyncio.ensure_future(conductor.run_adhoc("touch ran", ["web-1"]))
            await _until(lambda: Kind.COMMAND_INTENT in _kinds(conductor), "the intent")
            await _until(door.accepted.is_set, "the dial to reach the held door")
            assert await conductor.detach() == ["web-1"]
            # On record once the detach returns: the console quits right after it.
            assert Kind.HOST_NOT_STARTED in _kinds(conductor)
            door.released.set()  # the handshake goes on, after the detach
            await asyncio.wait_for(running, WAIT)
        finally:
            await engine.close()
    finally:
        door.close()
    assert not (sandboxes["web-1"] / "ran").exists()
    events = conductor.recorder.events
    (detached,) = [e.seq for e in events if e.kind == Kind.RUN_DETACHED]
    (not_started,) = [e for e in events if e.kind == Kind.HOST_NOT_STARTED]
    assert not_started.seq > detached and "nothing sent" in not_started.data.reason
    assert not [e for e in events if e.kind == Kind.COMMAND_RESULT]
    step = not_started.where.step or ""
    assert conductor.state.step(step).hosts["web-1"].status is HostStatus.NOT_STARTED


async def test_an_abort_ends_the_wait_for_a_host_that_does_not_answer_at_once(
    sshd_server, tmp_path
):
    """Seen on a real sshd fleet: after Ctrl+C, a silent host (its connect hanging) held
    the step, and exec, until its connect timeout ran out. The abort now ends the wait:
    the dial is cut, its half-open connection closed, and the host reads aborted,
    nothing sent. Timeouts of 10 minutes: only the abort can end these waits in time."""
    door = HeldDoor(sshd_server.server.port)  # TCP accepted, no SSH answer
    with silent_port() as silent:
        ports = {"web-1": silent, "web-2": door.port}
        try:
            config, _ = fleet(
                sshd_server,
                tmp_path,
                ["web-1", "web-2"],
                ports=ports,
                connect_timeout=600.0,
                login_timeout=600.0,
            )
            engine = Engine.build(load_settings(config), threaded_io=True)
            try:
                incident = new_incident_id(engine.clock.now())
                conductor = engine.incident(engine.claim(incident, ["web"]))
                conductor.open_incident("abort, silent hosts", incident, with_locks=True)
                running = asyncio.ensure_future(conductor.run_adhoc("true", ["web-1", "web-2"]))
                await _until(
                    lambda: _kinds(conductor).count(Kind.COMMAND_INTENT) == 2, "the intents"
                )
                await _until(door.accepted.is_set, "web-2's dial to reach the held door")
                await conductor.abort("the hosts do not answer")
                assert await asyncio.wait_for(running, WAIT) is False
                # web-2's half-open connection is closed: the door reads its end.
                client = door.sockets[1]
                client.settimeout(WAIT)
                while client.recv(4096):  # its SSH banner, then the end
                    pass
            finally:
                await engine.close()
        finally:
            door.close()
    events = conductor.recorder.events
    results = {e.where.host: e.data for e in events if e.kind == Kind.COMMAND_RESULT}
    assert sorted(results) == ["web-1", "web-2"]
    for result in results.values():  # nothing was killed there: no failure class
        assert result.aborted and result.exit_status is None and result.failure is None
        assert result.detail == (
            "aborted: the hosts do not answer; nothing sent (its host was still being reached)"
        )
    step = next(iter(e.where.step for e in events if e.kind == Kind.COMMAND_RESULT))
    hosts = conductor.state.step(step or "").hosts
    assert {h: r.status for h, r in hosts.items()} == dict.fromkeys(results, HostStatus.ABORTED)
