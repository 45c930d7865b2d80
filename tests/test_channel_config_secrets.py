"""check-config on channels whose secret was pasted where the name of its variable goes, or
whose secret URL is malformed: refused in one line naming file, line and key, the value
never echoed (check-config's output reaches CI logs and shared screens), and never left to
the run, where a header variable named by a pasted token was journalled as "not set"."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from console.paths import demo_config

SLACK_URL = "https://hooks.slack.com/services/T0AAAA/B0BBBB/XsEcReTsLaCkToKeN12"
TOKEN = "sUpErSeCrEtBeArEr99"
CHANNELS = f"""
[[channels]]
name = "incidents"
kind = "slack"
url_env = "{SLACK_URL}"

[[channels]]
name = "status-page"
kind = "webhook"
url = "hooks.example.com/h/{TOKEN}"
headers_env = {{ Authorization = "Bearer {TOKEN}" }}

[[channels]]
name = "oncall"
kind = "pagerduty"
routing_key_env = "routing key {TOKEN}"
"""


def test_a_secret_in_place_of_its_variable_is_refused_without_being_shown(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    procedure = config / "procedure.toml"
    with procedure.open("a") as out:
        out.write(CHANNELS)
    lines = procedure.read_text().splitlines()

    def where(text: str) -> str:
        return f"{procedure}:{next(i for i, x in enumerate(lines, 1) if text in x)}"

    done = subprocess.run(
        [sys.executable, "-m", "console", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    errors = done.stderr.splitlines()
    assert f"error: {where('url_env = ')}: channels[0].url_env: holds a URL where" in errors[0]
    assert f"error: {where('url = ')}: channels[1].url: is not an http://" in errors[1]
    assert errors[2].startswith(
        f"error: {where('headers_env')}: channels[1].headers_env.Authorization: is not the"
        " name of an environment variable"
    )
    assert errors[3].startswith(f"error: {where('routing_key_env')}: channels[2].routing_key_env")
    assert len(errors) == 4, done.stderr
    assert TOKEN not in done.stdout + done.stderr
    assert "hooks.slack.com" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
