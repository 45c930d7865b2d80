"""A webhook URL that carries its credentials (`https://user:password@host/hook`, as
Jenkins, Grafana and many status pages take them): on a real OpenSSH fleet the update is
sent with them as HTTP Basic authentication, as curl sends it, and the password is in no
record. urllib took `user:password@127.0.0.1` for the host's name: every update read
'NOT DELIVERED — [Errno -2] Name or service not known (after 4 attempts)'."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.hooks import HookServer
from tests.test_channel_headers_sshd import STRATEGIES, procedure

pytestmark = pytest.mark.sshd

PASSWORD = "s3cret@Pass99"  # written percent-encoded in the URL, as RFC 3986 asks


def test_a_url_s_user_and_password_are_sent_as_basic_authentication(sshd_server, tmp_path: Path):
    with HookServer() as hooks:
        url = hooks.url.replace("http://", "http://hook-user:s3cret%40Pass99@") + "/status"
        files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure(url)}
        fleet = write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])
        done = fleet.cli(
            "run",
            *("--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
            *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
        )
        got = hooks.at("/status")
    assert "notification via status-page: delivered — HTTP 200" in done.stdout, done.stdout
    assert len(got) == 2, got  # the update, then the close's
    pair = base64.b64encode(f"hook-user:{PASSWORD}".encode()).decode()
    assert {r.headers["Authorization"] for r in got} == {f"Basic {pair}"}
    journal = next(fleet.state.rglob("journal.jsonl")).read_text()
    for said in (journal, done.stdout, done.stderr):
        assert "s3cret" not in said


def test_an_answer_saying_the_credentials_back_records_neither_form(sshd_server, tmp_path: Path):
    """A receiver that refuses them and says them back, as the Basic credential it got
    and decoded: the journal held 'HTTP 401 ...: Basic aG9vay11c2VyOnMzY3JldEBQYXNzOTk=',
    the password in base64, and the password as typed once decoded."""
    pair = base64.b64encode(f"hook-user:{PASSWORD}".encode()).decode()
    with HookServer() as hooks:
        said_back = f"bad credentials: Basic {pair} (hook-user:{PASSWORD})"
        url = hooks.on("/status", (401, said_back, {}))
        url = url.replace("http://", "http://hook-user:s3cret%40Pass99@")
        files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure(url)}
        fleet = write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])
        done = fleet.cli(
            "run",
            *("--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
            *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
        )
    journal = next(fleet.state.rglob("journal.jsonl"))
    exported = fleet.cli("export", str(journal), "--format", "json")
    assert "bad credentials: Basic «redacted» (hook-user:«redacted»)" in done.stdout, done.stdout
    for said in (journal.read_text(), done.stdout, done.stderr, exported.stdout):
        assert pair not in said and "s3cret" not in said
