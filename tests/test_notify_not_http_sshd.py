"""A channel whose URL reaches something that does not speak HTTP: on a real OpenSSH
fleet, a webhook `url` naming a wrong port (here the sshd's own, which answers with its
banner) must fail its update as any unreachable endpoint does, not end the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_fleet import write_fleet
from tests.test_channel_headers_sshd import STRATEGIES, procedure

pytestmark = pytest.mark.sshd


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
    assert "status-page: not an HTTP answer: SSH-2.0-OpenSSH" in said, said
