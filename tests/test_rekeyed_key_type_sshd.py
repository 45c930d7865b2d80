"""A host whose key known_hosts cannot match by type is refused for its key, not called
unreachable. Walked on a fleet of real sshd hosts (helper-149): known_hosts recorded the
host's old RSA key and the host now offers only ed25519 (re-keyed, or reinstalled), or a
@cert-authority line alone covered a host with no certificate. asyncssh offers such a host
only the algorithms of the keys recorded for it, sshd logs 'no matching host key type
found' and drops the connection, and exec read 'FAILED (unreachable): ConnectionResetError:
[Errno 104] Connection reset by peer' (or 'disconnected during login'). ssh offers every
algorithm, those first, sees the new key and refuses it as a changed or unknown one."""

from __future__ import annotations

import subprocess

import pytest

from tests.test_cli_ssh import cli, exec_on_one_host, fingerprint_of

pytestmark = pytest.mark.sshd


def _old_key(tmp_path, kind: str) -> tuple[str, str]:
    """A fresh key of `kind` ('rsa', 'ed25519'): its 'type blob' and SHA256 fingerprint."""
    key = tmp_path / f"old_{kind}"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "old", "-f", str(key)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    public = key.with_name(key.name + ".pub")
    return " ".join(public.read_text().split()[:2]), fingerprint_of(public)


CHANGED = (
    "has CHANGED: it offers {real} where {known}:1 records {old} — refused, nothing sent; if"
    " its owner confirms the host was re-keyed: ssh-keygen -R '{name}' -f {known}"
)
NO_CERTIFICATE = (
    "is not signed by its @cert-authority: it offers {real}, where {known}:1 trusts only"
    " certificates that authority signed — refused, nothing sent; the host's owner must give"
    " it a certificate from it"
)


@pytest.mark.parametrize(
    ("kind", "marker", "said"),
    [("rsa", "", CHANGED), ("ed25519", "@cert-authority ", NO_CERTIFICATE)],
    ids=["an RSA key recorded, ed25519 offered", "a CA alone, no certificate offered"],
)
def test_a_key_of_another_type_than_known_hosts_records_is_refused_for_it(
    sshd_server, tmp_path, kind, marker, said
):
    server = sshd_server.server
    name = f"[127.0.0.1]:{server.port}"
    old, old_fingerprint = _old_key(tmp_path, kind)
    known = tmp_path / "known_hosts"
    known.write_text(f"{marker}{name} {old}\n")
    base = exec_on_one_host(sshd_server, tmp_path, "127.0.0.1", known)
    real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))

    refused = cli(*base, "echo sent", home=tmp_path, state=tmp_path / "state")
    assert refused.returncode == 1
    words = said.format(real=real, known=known, old=old_fingerprint, name=name)
    assert refused.stderr.startswith(
        f"web-1: FAILED (host key mismatch): host key for {name} {words}\n"
    ), refused.stderr
    assert "sent" not in refused.stdout
    assert server.accepted_connections() == 0
    assert known.read_text() == f"{marker}{name} {old}\n"  # nothing written
