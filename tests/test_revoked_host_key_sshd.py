"""A host key that known_hosts marks @revoked is refused as such, and never accepted.
Walked on a README fleet of real sshd hosts (helper-128): with the host's line and an
@revoked line for the same key, exec read 'host key ... has CHANGED: it offers SHA256:X
where known_hosts:3 records SHA256:X' (the same key) and offered the `ssh-keygen -R` that
removes it; with the @revoked line alone (asyncssh drops a `[host]:port` revocation when
no host key is recorded under that name), it read 'host key unknown' and took
`--accept-host-key` of the revoked key: written to known_hosts and journalled as accepted.
OpenSSH says 'REVOKED HOST KEY DETECTED' and refuses both."""

from __future__ import annotations

import pytest

from console.engine.known_hosts import hashed
from console.ui.screens.dialogs import ConfirmDialog
from tests.fleet_settings import sshd_settings
from tests.test_cli_ssh import cli, exec_on_one_host, fingerprint_of
from tests.test_ui_picker_reach import open_picker, patient, tree_lines
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd


@pytest.mark.parametrize("alone", [False, True], ids=["beside its line", "alone, hashed"])
def test_a_revoked_host_key_is_refused_as_revoked_and_never_accepted(sshd_server, tmp_path, alone):
    server = sshd_server.server
    known = tmp_path / "known_hosts"
    keytype, blob = server.host_public_key.split()[:2]
    name = f"[127.0.0.1]:{server.port}"
    revoked = f"@revoked {hashed(name) if alone else name} {keytype} {blob}\n"
    known.write_text(("" if alone else server.known_hosts_line() + "\n") + revoked)
    before = known.read_text()
    line = 1 if alone else 2
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)
    state = tmp_path / "state"
    real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))

    refused = cli(*base, "echo sent", home=tmp_path, state=state)
    assert refused.returncode == 1
    assert refused.stderr.startswith(
        f"web-1: FAILED (host key mismatch): host key for {name} is REVOKED: {known}:{line}"
        f" marks @revoked the key it offers, {real} — refused, nothing sent; a revoked key is"
        " never trusted (nor is it by ssh): the host's owner must re-key the host\n"
    ), refused.stderr
    assert "sent" not in refused.stdout and "ssh-keygen -R" not in refused.stderr

    accepting = cli(
        *base, "--accept-host-key", f"web-1={real}", "echo sent", home=tmp_path, state=state
    )
    assert accepting.returncode == 2, accepting.stderr
    assert f"marks @revoked the key it offers, {real} — refused" in accepting.stderr
    assert "accepted host key" not in accepting.stdout + accepting.stderr
    assert known.read_text() == before
    assert server.accepted_connections() == 0


async def test_the_picker_refuses_to_accept_a_revoked_key(sshd_server, tmp_path):
    """At 80x24, k on a host whose key known_hosts marks @revoked (alone: it read 'host key
    unknown' and k offered to trust it) says it is revoked and is never accepted."""
    server = sshd_server.server
    keytype, blob = server.host_public_key.split()[:2]
    name = f"[127.0.0.1]:{server.port}"
    sshd_server.known_hosts.write_text(f"@revoked {name} {keytype} {blob}\n")
    settings, _ = sshd_settings(sshd_server, {"web-1": "web"})
    app = build_app(patient(settings), tmp_path / "incidents", check_reach=True)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        picker = await open_picker(pilot, hosts=1)
        assert "✘ host key mismatch" in tree_lines(picker.host_tree)["web-1"]
        await pilot.press("down", "k")
        await until(
            pilot, lambda: any(n.title == "Refused: host key revoked" for n in app._notifications)
        )
        assert not isinstance(app.screen, ConfirmDialog)
    assert sshd_server.known_hosts.read_text() == f"@revoked {name} {keytype} {blob}\n"
    assert server.accepted_connections() == 0
