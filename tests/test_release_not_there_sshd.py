"""A release named that a host does not have is said as such. Walked on a README fleet of
real sshd hosts (helper-149): `run --param target=1.0.0` on hosts with releases 2.9.1 and
2.10.0 failed its precheck with 'no release to roll back to from 2.10.0 in .../releases',
the words of a host with no release before its current one, which says nothing of the
version typed and reads as if there were nothing to roll back to."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_presets_sshd import releases_app, run

pytestmark = pytest.mark.sshd


def test_a_named_release_the_host_lacks_is_named_with_those_it_has(sshd_server, tmp_path):
    app, config = releases_app(sshd_server, tmp_path, "")
    outcome = run(config, tmp_path, "rollback", "target=1.0.0")
    # Asked of the host before the incident opens (d90bc82f): refused, nothing recorded.
    assert outcome.returncode == 2, outcome.stdout + outcome.stderr
    assert outcome.events == [], outcome.events
    said = outcome.stdout + outcome.stderr
    assert (
        f"no release 1.0.0 in {app.resolve() / 'releases'} (the latest there: 2.3.0 2.4.0"
        " 2.10.0): name one of them (target)"
    ) in said, said
    assert "no release to roll back to" not in said
    assert (app / "current").readlink() == Path("releases/2.10.0")  # nothing changed
