"""A receiver's error answer that misbehaves: on a real OpenSSH fleet, a headless `run`
whose "Communicate status" webhook answers 500 and then hangs up mid-answer, or answers
500 with a body that never ends, must say the update was not delivered and go on to its
close, reading no more of that answer than it keeps."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_channel_headers_sshd import API_KEY, STRATEGIES, procedure

pytestmark = pytest.mark.sshd

RUN = (
    *("run", "--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
    *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
)
ENDLESS = 256 * 2**20  # bytes of an error answer offered: far more than anyone reads


def _request(connection: socket.socket) -> None:
    """Read one HTTP request (headers and its Content-Length body), bounded by the
    socket's timeout."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return
        body += chunk


@contextlib.contextmanager
def receiver(answer: Callable[[socket.socket], None]) -> Iterator[tuple[str, list[int]]]:
    """A loopback HTTP receiver written on a socket: each request read, then `answer`ed.
    Yields its URL and the number of requests it took."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    taken: list[int] = []
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(30)
                _request(connection)
                taken.append(1)
                with contextlib.suppress(OSError):
                    answer(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/status", taken
    finally:
        done.set()
        thread.join(timeout=10)
        server.close()


def hangs_up_mid_answer(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1000\r\n\r\noops")


def run_against(sshd_server, tmp_path: Path, url: str, *more: str):
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure(url)}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])
    return fleet, fleet.cli(*RUN, *more)


def test_a_receiver_that_hangs_up_mid_error_answer_is_an_update_not_delivered(
    sshd_server, tmp_path: Path
):
    """Seen against a loopback receiver that answered 'HTTP/1.1 500' with a Content-Length
    and closed after four bytes of it: the run ended 'error: internal error:
    IncompleteRead: IncompleteRead(4 bytes read, 996 more expected)' after its strategy
    step, the update's result and the close never journalled (a reset instead of a close:
    'ConnectionResetError')."""
    with receiver(hangs_up_mid_answer) as (url, taken):
        fleet, done = run_against(sshd_server, tmp_path, url)
    said = done.stdout + done.stderr
    assert "internal error" not in said and "Traceback" not in said, said
    assert (
        "notification via status-page: FAILED — HTTP 500 Internal Server Error: oops"
        " (the answer was cut short)" in done.stdout
    ), done.stdout
    assert len(taken) == 2, taken  # the update, then the close's: each once (retries = 0)
    journal = next(fleet.state.rglob("journal.jsonl")).read_text()
    assert '"kind":"incident.closed"' in journal
    assert API_KEY not in journal + said


def test_an_error_answer_that_never_ends_is_read_no_further_than_kept(sshd_server, tmp_path: Path):
    """Seen against a loopback receiver answering 500 with a chunked body that never
    ended: the console read it all into memory (2.2 GB within the 3 s of a timeout, in a
    thread that went on reading after the update was given up), to keep its first 300
    bytes. The receiver here offers 256 MB; the console hangs up long before it is all
    taken."""
    offered: list[int] = []

    def endless(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 500 Internal Server Error\r\n")
        connection.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 2**20
        while sum(offered) < ENDLESS:
            connection.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk))
            offered.append(len(chunk))
        connection.sendall(b"0\r\n\r\n")

    with receiver(endless) as (url, taken):
        _fleet, done = run_against(sshd_server, tmp_path, url)
    said = done.stdout + done.stderr
    assert "internal error" not in said, said
    assert "notification via status-page: FAILED — HTTP 500 Internal Server Error: xxx" in said
    assert len(taken) == 2, taken
    assert sum(offered) < ENDLESS, f"the console took all {sum(offered)} bytes of the answer"
