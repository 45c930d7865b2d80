"""The alembic preset on real sshd, with the mistakes a first configuration makes: the
host's one line says what alembic said (it prints its failures on stdout), or which
directory or file is missing, never only "alembic current failed", and names the setting to
correct, not the revision: it read "FAILED: No config file ...; fix it there, or run again
naming it (--param revision=VALUE)", which would change nothing. Alembic on SQLite here:
its precheck fails before any database is reached."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import hostpython
from tests.pgrig import run_console, write_config

pytestmark = pytest.mark.sshd


def _strategy(app: Path, alembic: Path) -> str:
    return f"""\
[[strategies]]
name = "schema-down"
kind = "migration-reversal"
preset = "alembic"
params = [
  {{ name = "app_dir", default = "{app}" }},
  {{ name = "alembic", default = "{alembic}" }},
]
"""


@pytest.fixture
def config(sshd_server, tmp_path: Path) -> Path:
    root = sshd_server.sandbox("app")
    uid, gid = sshd_server.account.uid, sshd_server.account.gid
    site = hostpython.vendor(["alembic"], root / "site", uid, gid)
    alembic = hostpython.wrapper(root / "bin/alembic", "alembic", site, uid, gid)
    app = root / "app"
    (app / "migrations/versions").mkdir(parents=True)
    (app / "alembic.ini").write_text(
        f"[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///{app}/app.db\n"
    )
    (app / "app.ini").write_text("[app]\nport = 8080\n")  # the app's own, not alembic's
    for path in [root, *root.rglob("*")]:
        os.lchown(path, uid, gid)
    return write_config(tmp_path / "config", sshd_server, _strategy(app, alembic), root)


@pytest.mark.parametrize(
    ("param", "said"),
    [
        ("config=alembc.ini", "no file alembc.ini in "),
        ("config=app.ini", "alembic current failed in "),
        ("app_dir=/srv/no-such-app", "no directory /srv/no-such-app (app_dir) in "),
    ],
)
def test_a_wrong_alembic_setting_is_named_on_the_hosts_line(config, tmp_path, param, said):
    outcome = run_console(config, tmp_path / "state", "schema-down", param)

    assert outcome.returncode == 1, outcome.stdout + outcome.stderr
    # asked of the host before the step (revision = previous), as the console asks before
    # its confirmation: the run's last line names it, nothing sent for the step
    line = outcome.stdout.strip().splitlines()[-1]
    assert "--param revision" not in line, line  # the setting to correct is named instead
    line = line.split("; journal ")[0]
    assert "not started, nothing sent: revision=previous could not be resolved on db-1: " in line
    assert said in line, line
    if param == "config=alembc.ini":
        assert line.endswith(
            " (named in config): alembic's ini file; correct config, then run it again"
        ), line
    elif param == "config=app.ini":  # alembic's own words, from its stdout
        assert line.endswith(
            "FAILED: No 'script_location' key found in configuration. (named in config)"
        ), line
