"""A host whose key is unknown by its name, while known_hosts records that same key for
many other names (a fleet cloned from one image shares its host key): the refusal names a
few of them, not each. Seen on a 1,000-host fleet: a new host's first `exec` printed one
line of about 20,000 characters, every other host's `[127.0.0.1]:PORT` in it."""

from __future__ import annotations

import pytest

from tests.test_cli_ssh import cli, exec_on_one_host, fingerprint_of


@pytest.mark.sshd
def test_an_unknown_key_recorded_for_many_other_hosts_is_one_short_line(sshd_server, tmp_path):
    server = sshd_server.server
    _name, keytype, blob = server.known_hosts_line().split()[:3]
    others = [f"[127.0.0.1]:{port}" for port in range(40001, 40061)]  # its 60 siblings
    known = tmp_path / "known_hosts"
    known.write_text("".join(f"{other} {keytype} {blob}\n" for other in others))
    base = exec_on_one_host(sshd_server, tmp_path, "localhost", known)
    unknown = cli(*base, "true", home=tmp_path, state=tmp_path / "state")
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    real = fingerprint_of(server.host_key_path.with_name("host_ed25519.pub"))
    name = f"[localhost]:{server.port}"
    [line] = [x for x in (unknown.stdout + unknown.stderr).splitlines() if "FAILED" in x]
    assert line.startswith(f"web-1: FAILED (host key unknown): {name} is not in {known}, ")
    assert line.endswith(
        f"; it offers {real} (that key is recorded for [127.0.0.1]:40001, [127.0.0.1]:40002,"
        f" [127.0.0.1]:40003 +57 more, not {name}: ssh, and the console, look a key up by"
        f" the host's name as given); once its owner confirms that fingerprint:"
        f" --accept-host-key web-1={real}"
    )
    assert len(line) < 600  # 60 names whole: about 1,500 characters; 1,000: 20,000
