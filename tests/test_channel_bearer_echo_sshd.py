"""A header's credential said back alone: on a real OpenSSH fleet, a headless `run` whose
status page takes `Authorization = "Bearer <token>"` from the environment, and answers 401
naming the token it was given, records the answer with the token masked, while the
request carries the header as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.journal.redact import MASK
from tests.cli_fleet import write_fleet
from tests.hooks import HookServer
from tests.test_channel_headers_sshd import STRATEGIES, procedure

pytestmark = pytest.mark.sshd
TOKEN = "sk-live-Qw3rTy-9988"


def test_a_bearer_token_said_back_alone_is_masked(sshd_server, tmp_path: Path):
    """Walked with docs/notifications.md's status page (`headers_env = { Authorization =
    "STATUS_HOOK_AUTH" }`, the variable `Bearer sk-live-...`) against a receiver answering
    `HTTP 401 ... invalid token sk-live-...`: the journal, the run's lines and the export
    held the token whole. Only the header's whole value was a secret, and the token is
    what a receiver says back."""
    with HookServer() as hooks:
        url = hooks.on("/status", (401, f"invalid token {TOKEN}", {}))
        checklist = procedure(url, required=False)
        checklist["channels"][0] = {
            "name": "status-page",
            "kind": "webhook",
            "url": url,
            "headers_env": {"Authorization": "STATUS_HOOK_AUTH"},
            "retries": 0,
        }
        files = {"strategies.toml": STRATEGIES, "procedure.toml": checklist}
        env = {"STATUS_HOOK_AUTH": f"Bearer {TOKEN}"}
        fleet = write_fleet(
            sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[], env=env
        )
        done = fleet.cli(
            "run",
            *("--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
            *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
        )
        sent = hooks.at("/status")
    assert "internal error" not in done.stderr, done.stderr
    assert f"HTTP 401 Unauthorized: invalid token {MASK}" in done.stdout, done.stdout
    assert sent and all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in sent)
    journal = next(fleet.state.rglob("journal.jsonl"))
    exported = fleet.cli("export", str(journal.parent), "--format", "markdown")
    assert exported.returncode == 0, exported.stderr
    for text in (journal.read_text(), done.stdout, done.stderr, exported.stdout):
        assert TOKEN not in text
