"""`serve JOURNAL`: the follow view in a browser. Started as a user would, on loopback: the
page loads, it listens on 127.0.0.1 only, and its websocket streams the read-only view."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.test_ui_follow import writer

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def said_until(process: subprocess.Popen[str], text: str, seconds: float = 60) -> str:
    """What the process printed, read raw from its pipe until `text` (or `seconds`): select
    on a text stream misses lines readline already buffered, and gave up with them unread."""
    assert process.stdout is not None
    fd, said, deadline = process.stdout.fileno(), b"", time.monotonic() + seconds
    while text.encode() not in said and time.monotonic() < deadline:
        if select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            said += chunk
    return said.decode(errors="replace")


def listening_on(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp has them) listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, _, hex_port = local.rpartition(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.append(address)
    return found


@contextlib.contextmanager
def serving_on(
    journal: Path, port: int, state: Path, *args: str, **env: str
) -> Iterator[subprocess.Popen[str]]:
    """`serve JOURNAL --port PORT` running (its output one pipe); Ctrl+C'd after, bounded."""
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", str(journal), "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "ROLLBACK_CONSOLE_STATE": str(state), **env},
    )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def served(tmp_path):
    journal = tmp_path / "incidents" / "20261128-093000-beef"
    writer(journal).close()
    port = free_port()
    with serving_on(journal, port, tmp_path):
        yield port, journal / "journal.jsonl"


def fetch(url: str, seconds: float = 60) -> str:
    """GET `url` once the server answers (bounded)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def in_the_browser(
    port: int,
    wanted: str,
    keys: str,
    seconds: float = 60,
    host: str = "127.0.0.1",
    then: str | None = None,
) -> str:
    """Drive the view behind the page through its websocket as the page does: once it shows
    `wanted`, type `keys`, then read three more frames (or until it shows `then`, or its
    session ends); returns all it drew, as text."""
    plain, frames, sent = "", None, 0
    async with aiohttp.ClientSession() as session:
        url = f"http://{host}:{port}/ws?width=100&height=30"
        async with session.ws_connect(url) as ws:
            await ws.send_str(json.dumps(["resize", {"width": 100, "height": 30}]))
            text = ""
            async with asyncio.timeout(seconds):
                async for message in ws:
                    if message.type != aiohttp.WSMsgType.BINARY:
                        continue
                    text += message.data.decode("utf-8", "replace")
                    plain = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", text)
                    if frames is None and wanted in plain:
                        await ws.send_str(json.dumps(["stdin", keys]))
                        frames, sent = 0, len(plain)
                    elif frames is not None:
                        frames += 1
                        if (then in plain[sent:]) if then else frames == 3:
                            return plain
    return plain


def test_the_follow_view_is_served_on_loopback_and_streams_read_only(served):
    port, journal = served
    page = fetch(f"http://127.0.0.1:{port}/")
    assert "rollback-console follow 20261128-093000-beef" in page
    assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
    assert listening_on(port) == ["0100007F"]  # 127.0.0.1, nothing else
    before = journal.read_bytes()
    # Enter on the current step (a manual one) would confirm it in the console. Esc on the
    # first screen goes back to nothing: it ended the session, the page left dead.
    back = "nothing to go back to"
    screen = asyncio.run(in_the_browser(port, "every action is disabled", "\r\x1b", then=back))
    assert "READ-ONLY" in screen and "Restore previous version" in screen
    assert back in screen, screen[-2000:]
    assert journal.read_bytes() == before  # nothing was recorded, so nothing was done


def test_serving_a_missing_journal_is_one_line_and_exit_2(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "console", "serve", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().endswith(
        "no journal there (expected a journal.jsonl or its directory)"
    )


def serve_once(*args: str, state: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ROLLBACK_CONSOLE_STATE": str(state)},
    )


def test_a_port_in_use_a_bad_port_or_a_non_journal_is_one_line_and_exit_2(tmp_path):
    """A second `serve` on the default port, a port out of range: each was an 'internal
    error: OSError ... (a bug: please report it)' after 'serving ... on' had been printed;
    a file that is not a journal was served, its every browser view failing."""
    journal = tmp_path / "incidents" / "20261128-093000-beef"
    writer(journal).close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = serve_once(str(journal), "--port", str(port), state=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: address already in use"
        " (another serve? --port picks another)"
    ]
    done = serve_once(str(journal), "--port", "70000", state=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines()[-1].endswith(
        "argument --port: '70000' is not a port (1 to 65535)"
    ), done.stderr
    garbage = tmp_path / "notes.jsonl"
    garbage.write_text("remember to page the DBA\n")
    done = serve_once(str(garbage), state=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {garbage}:1: not a journal event: Expecting value: line 1 column 1 (char 0)"
    ]


def test_a_wildcard_address_needs_the_url_browsers_reach_it_at(tmp_path):
    """Seen serving with `--host 0.0.0.0`: the page told each browser to fetch its scripts
    from http://0.0.0.0:PORT and to open ws://0.0.0.0:PORT/ws, which no browser elsewhere
    reaches (and the line printed said to open http://0.0.0.0:PORT). Without --public-url
    it is refused, one line, nothing listening; with it, the page names that URL."""
    journal = tmp_path / "incidents" / "20261128-093000-beef"
    writer(journal).close()
    port = free_port()
    done = serve_once(str(journal), "--host", "0.0.0.0", "--port", str(port), state=tmp_path)
    assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        "error: --host 0.0.0.0 needs --public-url, the address browsers reach this host at"
        f" (e.g. --public-url http://jump-1.example.com:{port}): the page tells each browser"
        " where to connect, and no browser elsewhere reaches 0.0.0.0"
    ]
    assert listening_on(port) == []
    public = f"http://localhost:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", str(journal), "--host", "0.0.0.0",
         "--port", str(port), "--public-url", public],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "ROLLBACK_CONSOLE_STATE": str(tmp_path)},
    )  # fmt: skip
    try:
        page = fetch(f"http://127.0.0.1:{port}/")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert f'data-session-websocket-url="ws://localhost:{port}/ws"' in page
    assert "0.0.0.0" not in page
    assert f"open {public}" in out.splitlines()[0], out
    assert err.startswith("warning: serving on 0.0.0.0: anyone who reaches"), err


def test_the_tunnel_it_names_reaches_the_address_this_session_came_in_on(tmp_path):
    """It said `ssh -L PORT:127.0.0.1:PORT THIS-HOST`, a word to replace: it names the
    address and port the commander's own ssh reached (SSH_CONNECTION, as sshd sets it)."""
    journal = tmp_path / "incidents" / "20261128-093000-beef"
    writer(journal).close()
    port = free_port()
    came_in = "198.51.100.4 50022 192.0.2.7 2222"
    with serving_on(journal, port, tmp_path, SSH_CONNECTION=came_in) as process:
        said = said_until(process, "\n")
    assert f"ssh -L {port}:127.0.0.1:{port} -p 2222 192.0.2.7)" in said, said


def ipv6_loopback() -> bool:
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET6) as probe:
        probe.bind(("::1", 0))
        return True
    return False


@pytest.mark.skipif(not ipv6_loopback(), reason="no IPv6 loopback here")
def test_the_ipv6_loopback_is_served_under_a_url_a_browser_can_open(tmp_path):
    """`--host ::1`, the loopback the help and the warning count as one, was refused as
    'cannot listen on ::1:8000: unknown error -9' (it was tried as IPv4); served, the page
    would have sent browsers to ws://::1:PORT/ws, which is no URL."""
    journal = tmp_path / "incidents" / "20261128-093000-beef"
    writer(journal).close()
    with socket.socket(socket.AF_INET6) as free:
        free.bind(("::1", 0))
        port = free.getsockname()[1]
    with serving_on(journal, port, tmp_path, "--host", "::1") as process:
        said = said_until(process, "\n")
        page = fetch(f"http://[::1]:{port}/")
        screen = asyncio.run(in_the_browser(port, "every action is disabled", "\r", host="[::1]"))
        listening = listening_on(port)
    assert f"on http://[::1]:{port} (from your machine: ssh -L {port}:[::1]:{port} " in said
    assert f'data-session-websocket-url="ws://[::1]:{port}/ws"' in page
    assert "READ-ONLY" in screen
    assert listening == ["00000000000000000000000001000000"]  # ::1, nothing else


def test_each_browsers_view_reads_the_configuration_serve_was_given(tmp_path):
    """`serve --config DIR`: the follow process each browser gets was started without it
    (`python -m console follow JOURNAL`), so the commands its view prints for a person to
    run next (`verify ID --take-over-lock REASON`, ...) named no configuration, as the
    console's own name theirs, and pasted on the jump host read another one, or none."""
    journal = tmp_path / "incidents" / "20261128-093000-beef"
    writer(journal).close()
    config = tmp_path / "my config"
    config.mkdir()
    port = free_port()
    wide = {"COLUMNS": "1000", "PYTHONUNBUFFERED": "1"}  # its banner at once, on one line
    with serving_on(journal, port, tmp_path, "--config", str(config), **wide) as process:
        said = said_until(process, "Serving")
        fetch(f"http://127.0.0.1:{port}/")  # once it listens
        screen = asyncio.run(in_the_browser(port, "every action is disabled", "\r"))
    assert f"console follow {journal / 'journal.jsonl'} --config '{config}'" in said, said
    assert "READ-ONLY" in screen  # that process reads it, and serves the view


def test_each_browsers_view_runs_the_installed_program_never_one_in_the_working_directory(
    tmp_path,
):
    """Each browser's view was started as `python -m console follow`, which imports a
    `console` package (or console.py) from the directory serve was started in before the
    installed program: on a shared jump host, anyone who could write there ran their code
    as the commander. A decoy there is never imported; the view is the program's own."""
    journal = tmp_path / "incidents" / "20261128-093000-beef"
    writer(journal).close()
    here = tmp_path / "shared"
    marker = tmp_path / "decoy-ran"
    for name in ("console/__init__.py", "console/__main__.py", "console.py"):
        (here / name).parent.mkdir(parents=True, exist_ok=True)
        (here / name).write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    program = Path(sys.executable).parent / "rollback-console"  # as installed, on PATH
    port = free_port()
    process = subprocess.Popen(
        [str(program), "serve", str(journal), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=here,
        env={**os.environ, "PYTHONPATH": str(ROOT), "ROLLBACK_CONSOLE_STATE": str(tmp_path)},
    )  # fmt: skip
    try:
        fetch(f"http://127.0.0.1:{port}/")
        screen = ""
        with contextlib.suppress(TimeoutError):  # the decoy draws nothing
            screen = asyncio.run(in_the_browser(port, "every action is disabled", "\r", 30))
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)
    assert not marker.exists(), f"imported from the working directory: {marker.read_text()}"
    assert "READ-ONLY" in screen
