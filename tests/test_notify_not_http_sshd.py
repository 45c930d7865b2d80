"""A channel whose URL reaches something that does not speak HTTP: on a real OpenSSH
fleet, a webhook `url` naming a wrong port (here the sshd's own, which answers with its
banner) must fail its update as any unreachable endpoint does, not end the run."""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from console.engine.delivery import Outgoing, deliver
from console.model.channels import Channel
from console.model.notify_kinds import ChannelKind
from tests.cli_fleet import write_fleet
from tests.hooks import HookServer
from tests.test_channel_headers_sshd import STRATEGIES, procedure


@pytest.mark.sshd
def test_a_url_to_a_port_that_is_no_http_server_fails_its_update(sshd_server, tmp_path: Path):
    url = f"http://127.0.0.1:{sshd_server.server.port}/status"
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure(url)}
    fleet = write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])
    done = fleet.cli(
        "run",
        *("--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
        *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
    )
    said = done.stdout + done.stderr
    assert "Traceback" not in said and "internal error" not in said.lower(), said
    # Each delivery reads the banner, or (a loaded machine: seen once) finds the connection
    # reset as sshd gives up on the request it read: one of the two is read at least.
    assert "via status-page: FAILED — not an HTTP answer: SSH-2.0-OpenSSH" in said, said


def _tls_server(root: Path) -> tuple[socket.socket, ssl.SSLContext]:
    """A listening socket and a TLS context with a self-signed certificate for 127.0.0.1
    (made by openssl, as a lab's endpoint has one): trusted by nobody here."""
    key, cert = root / "key.pem", root / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return socket.create_server(("127.0.0.1", 0)), context


async def test_an_https_url_that_cannot_work_is_said_so_and_not_retried(tmp_path: Path):
    """Seen against loopback endpoints: an https:// URL to a port that speaks plain HTTP
    read 'NOT DELIVERED — [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)
    (after 4 attempts)', each update held by its backoff (2 + 4 + 8 s) for an answer that
    could never change; a certificate nobody here trusts, likewise."""
    with HookServer() as plain:
        url = plain.url.replace("http://", "https://") + "/status"
        said = await deliver(Channel(name="s", kind=ChannelKind.WEBHOOK, url=url), Outgoing({}))
    assert (said.ok, said.attempts) == (False, 1), said
    assert said.detail == "no TLS at this address: it answered in plain text (an http:// URL?)"

    server, context = _tls_server(tmp_path)

    def handshake() -> None:  # the client gives up in the handshake: bounded by its end
        with contextlib.suppress(OSError), server:
            connection, _ = server.accept()
            with contextlib.suppress(OSError), context.wrap_socket(connection, server_side=True):
                pass

    thread = threading.Thread(target=handshake, daemon=True)
    thread.start()
    url = f"https://127.0.0.1:{server.getsockname()[1]}/status"
    said = await deliver(Channel(name="s", kind=ChannelKind.WEBHOOK, url=url), Outgoing({}))
    thread.join(timeout=10)
    assert (said.ok, said.attempts) == (False, 1), said
    assert said.detail.startswith("TLS certificate not trusted: self-signed certificate"), said


@pytest.mark.sshd
@pytest.mark.parametrize(
    ("where", "said"),
    [
        ("127.0.0.1:8o80", "not sent: the URL is not valid: nonnumeric port: '8o80'"),
        ("[::1", "not sent: Invalid IPv6 URL"),
    ],
)
def test_a_url_that_is_no_valid_url_fails_its_update_once(
    sshd_server, tmp_path: Path, where: str, said: str
):
    """On real sshd, $SLACK_WEBHOOK_URL with a typo in its port (`8o80`) or an IPv6
    bracket left open: check-config does not look past `http://`, and the run ended in
    'error: internal error: InvalidURL: nonnumeric port' (ValueError for the bracket)
    after the strategy step, the update and the close never journalled."""
    secret = "B0BBBB2/zYx9WvU8tS7rQ6pO5nM4lK3j"
    data = procedure("http://unused.invalid/")
    data["channels"][0] = {"name": "status-page", "kind": "slack", "url_env": "SLACK_URL"}
    files = {"strategies.toml": STRATEGIES, "procedure.toml": data}
    env = {"SLACK_URL": f"http://{where}/services/T0AAAA1/{secret}"}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[], env=env
    )
    done = fleet.cli(
        "run",
        *("--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
        *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
    )
    assert "internal error" not in done.stderr, done.stderr
    assert f"notification via status-page: FAILED — {said}" in done.stdout, done.stdout
    journal = next(fleet.state.rglob("journal.jsonl")).read_text()
    assert "zYx9WvU8tS7rQ6pO5nM4lK3j" not in journal + done.stdout + done.stderr
