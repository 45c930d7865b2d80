"""An assessment that read no host says which it could not read, never a bare colon: on a
real sshd fleet whose assessment command failed everywhere, the run's line (and the
document's timeline, and the console's) read `assessed 0 host(s): `, nothing after the
colon; read on one host of two, the other was in no word of it. Real OpenSSH sshd, the
command line as a user runs it."""

from __future__ import annotations

import copy

import pytest
import tomli_w

from tests.test_needed_nothing_sshd import PROCEDURE, STRATEGIES, run
from tests.test_needed_nothing_sshd import releases_fleet as fleet_of

pytestmark = pytest.mark.sshd


def procedure(command: str) -> dict:
    """The procedure of test_needed_nothing_sshd, its assessment running `command`."""
    changed = copy.deepcopy(PROCEDURE)
    [assess] = [s for s in changed["phases"][1]["steps"] if s["id"] == "assess"]
    assess["command"] = command
    return changed


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("echo 'cannot read current' >&2; exit 1", "assessed 0 host(s): not read on app-1, app-2"),
        (
            'case "$PWD" in *app-2-*) exit 1 ;; esac; echo release=2.10.0',
            "assessed 1 host(s): release; not read on app-2",
        ),
        ("echo all fine", "assessed 2 host(s): no key=value line printed"),
    ],
)
def test_an_assessment_says_the_hosts_it_could_not_read(sshd_server, tmp_path, command, said):
    fleet = fleet_of(sshd_server, tmp_path, STRATEGIES, ("app-1", "app-2"))
    (fleet.config / "procedure.toml").unlink()
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(procedure(command)))

    done = run(fleet, tmp_path / "run")

    lines = [line for line in done.stdout.splitlines() if " assessed " in line]
    # its place, then the words (the column as wide as the incident's longest place)
    assert lines and lines[0].split(None, 2)[1:] == ["assess", said], done.stdout
    document = fleet.cli("export", str(tmp_path / "run"), "--format", "markdown")
    assert f"| {said} |" in document.stdout, document.stdout[-3000:]
