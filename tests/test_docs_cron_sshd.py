"""The crontab docs/drills.md gives for `drill --due`, run as cron runs it (real sshd): its
job line by /bin/sh, in an environment of cron's own (HOME, LOGNAME, SHELL, and PATH
/usr/bin:/bin; no TERM, no ROLLBACK_CONSOLE_*), the crontab's variables added, from
another directory, the program installed as README's jump-host install puts it
(~/.local/bin/rollback-console). Walked (helper-162): every weekday the job mailed
'/bin/sh: 1: rollback-console: not found' twice, and no drill ever ran."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import console
from tests.test_drills_sshd import DRILLS, staging_fleet

pytestmark = pytest.mark.sshd

DOCS = Path(__file__).resolve().parent.parent / "docs" / "drills.md"
CRON_PATH = "/usr/bin:/bin"  # what cron gives a job, unless the crontab sets PATH


def documented_crontab() -> tuple[dict[str, str], str]:
    """The crontab's variable lines and its one job's command, as docs/drills.md has them."""
    [block] = re.findall(r"```sh\n(# crontab -e.*?)```", DOCS.read_text(), re.S)
    variables, jobs = {}, []
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if (assignment := re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)", line)) is not None:
            variables[assignment[1]] = assignment[2]
        else:
            jobs.append(line.split(None, 5)[5])  # after minute, hour, day, month, weekday
    [job] = jobs
    return variables, job


def installed_in(home: Path) -> None:
    """The program where README's install without root puts it: ~/.local/bin."""
    program = home / ".local" / "bin" / "rollback-console"
    program.parent.mkdir(parents=True)
    source = Path(console.__file__).resolve().parent.parent
    program.write_text(f'#!/bin/sh\nPYTHONPATH={source} exec {sys.executable} -m console "$@"\n')
    program.chmod(0o755)


def test_the_documented_crontab_runs_the_due_drills(sshd_server, tmp_path):
    monthly = {**DRILLS, "schedule": [{"scenario": "bad-release", "cadence": "monthly"}]}
    fleet = staging_fleet(sshd_server, tmp_path, monthly)
    home = tmp_path / "commander"
    installed_in(home)
    variables, job = documented_crontab()
    variables.pop("MAILTO", None)  # cron's own: where it mails what the job printed
    environment = {"HOME": str(home), "LOGNAME": "commander", "SHELL": "/bin/sh"}
    environment |= {"PATH": CRON_PATH, **variables}
    job = job.replace("/etc/rollback-console", str(fleet.config))
    mailed = subprocess.run(
        ["/bin/sh", "-c", job],
        cwd="/",
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (mailed.returncode, mailed.stdout + mailed.stderr) == (0, ""), mailed
    state = home / ".local" / "state" / "rollback-console"  # the account's own
    status = fleet.cli("drill", "--status")
    assert status.returncode == 1, "nothing counted in the fixture's state dir"
    fleet.state = state
    status = fleet.cli("drill", "--status")
    assert status.returncode == 0, status.stdout + status.stderr
    said = r"^app +monthly +.* ok\n  bad-release: last drill .* passed, "
    assert re.search(said, status.stdout, re.MULTILINE), status.stdout
