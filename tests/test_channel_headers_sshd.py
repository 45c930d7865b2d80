"""A webhook channel's plain headers on a real OpenSSH fleet: `headers = { X-Team = "app" }`
is sent as it is and masks nothing, while a header whose name says it is a secret is masked
in every record. Masking "app" as a secret masked the system's and the strategy's names in
the journal, and the strategy recorded as `«redacted»-rollback` was not found when its step
ran: `run` ended in an internal error before it restored anything."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.journal.redact import MASK
from tests.cli_fleet import Fleet, write_fleet
from tests.hooks import Hooks

pytestmark = pytest.mark.sshd

API_KEY = "k3y-Secret-0123456789"
STRATEGIES = {
    "strategies": [
        {
            "name": "app-rollback",
            "kind": "custom",
            "description": "Write the release marker back",
            "commands": {
                "precheck": "test -d .",
                "action": "echo 2.4.0 > release",
                "verify": "grep -q 2.4.0 release && echo app on 2.4.0",
            },
        }
    ]
}


def procedure(url: str, **communicate) -> dict:
    """A checklist whose execution restores, then posts to one webhook (`communicate`:
    more of that step's keys)."""
    return {
        "name": "Release rollback",
        "phases": [
            {"phase": "immediate", "steps": [{"id": "bridge", "title": "B", "kind": "manual"}]},
            {
                "phase": "execution",
                "steps": [
                    {"id": "restore", "title": "Restore the release", "kind": "strategy"},
                    {
                        "id": "communicate",
                        "title": "Communicate status",
                        "kind": "notify",
                        "message": "{{incident}}: {{summary}}",
                        "channels": ["status-page"],
                        "required": True,
                    }
                    | communicate,
                ],
            },
            {
                "phase": "post",
                "steps": [{"id": "doc", "title": "D", "kind": "form", "fields": ["reason"]}],
            },
        ],
        "channels": [
            {
                "name": "status-page",
                "kind": "webhook",
                "url": url,
                "headers": {"X-Team": "app", "X-Api-Key": API_KEY},
                "retries": 0,
            }
        ],
    }


@pytest.fixture
def fleet(sshd_server, tmp_path: Path, hooks: Hooks) -> Fleet:
    files = {"strategies.toml": STRATEGIES, "procedure.toml": procedure(hooks.url + "/status")}
    return write_fleet(sshd_server, tmp_path, files, strategies=["app-rollback"], probes=[])


def test_a_plain_header_is_sent_as_it_is_and_masks_nothing(fleet: Fleet, hooks: Hooks):
    done = fleet.cli(
        "run",
        *("--systems", "app", "--strategy", "app-rollback", "--trigger", "user-impact"),
        *("--reason", "checkout broken", "--yes", "--outcome", "unverified:no probes here"),
    )
    assert "internal error" not in done.stderr, done.stderr
    assert "finished step “Restore the release”: done (2 succeeded)" in done.stdout, done.stdout
    assert "notification via status-page: delivered — HTTP 200" in done.stdout
    assert " app-1 | app on 2.4.0\n" in re.sub(r"  +", " ", done.stdout)  # padding aside
    sent, closed = hooks.at("/status")  # the update, then the close's
    assert closed.headers["X-Api-Key"] == API_KEY and " closed: " in closed.body["message"]
    assert (sent.headers["X-Team"], sent.headers["X-Api-Key"]) == ("app", API_KEY)
    assert sent.body["systems"] == ["app"]
    journal = next(fleet.state.rglob("journal.jsonl")).read_text()
    assert '"strategy":"app-rollback"' in journal
    for text in (journal, done.stdout, done.stderr):
        assert API_KEY not in text
    assert MASK not in journal
