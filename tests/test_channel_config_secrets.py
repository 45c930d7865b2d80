"""check-config on channels whose secret was pasted where the name of its variable goes, or
whose secret URL is malformed: refused in one line naming file, line and key, the value
never echoed (check-config's output reaches CI logs and shared screens), and never left to
the run, where a header variable named by a pasted token was journalled as "not set".
Headers no HTTP request can carry are refused too, and one whose value comes from the
environment is tried once: no attempt could send it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from console.paths import demo_config
from tests.keys_recorded import keys_recorded

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


def check_config_with(tmp_path, channels: str):
    """check-config on the demo's configuration (its drills left out) with `channels`
    appended to procedure.toml; the result, and `where(text)`: the file and line of the
    first line holding `text`."""
    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    procedure = config / "procedure.toml"
    with procedure.open("a") as out:
        out.write(channels)
    lines = procedure.read_text().splitlines()
    keys_recorded(config)

    def where(text: str) -> str:
        return f"{procedure}:{next(i for i, x in enumerate(lines, 1) if text in x)}"

    done = subprocess.run(
        [sys.executable, "-m", "console", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    return done, where


def said(tmp_path, channels: str, status: int):
    """check-config's exit status is `status`: its stderr lines, where, and all it printed."""
    done, where = check_config_with(tmp_path, channels)
    assert done.returncode == status, done.stdout + done.stderr
    return done.stderr.splitlines(), where, done.stdout + done.stderr


def test_a_secret_in_place_of_its_variable_is_refused_without_being_shown(tmp_path):
    done, where = check_config_with(tmp_path, CHANNELS)
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


HEADERS = """
[[channels]]
name = "status-page"
kind = "webhook"
url_env = "STATUS_HOOK_URL"
headers = { "Bad Name" = "v", X-Note = "two\\nlines", X-Price = "5 €", X-Team = "web" }
headers_env = { "X:Auth" = "STATUS_HOOK_AUTH" }
"""


def test_headers_no_http_request_can_carry_are_refused(tmp_path):
    """Each was accepted, then every attempt of every update failed before it left
    ('Invalid header name', 'Invalid header value'), retried as if the network had."""
    done, where = check_config_with(tmp_path, HEADERS)
    assert done.returncode == 2, done.stdout + done.stderr
    name = "is not an HTTP header name: letters, digits and - (no spaces or ':')"
    value = (
        "holds a line break, a control character or a character outside Latin-1, which an"
        " HTTP header cannot carry (not shown: it may be a secret)"
    )
    assert done.stderr.splitlines() == [
        f"error: {where('headers = ')}: channels[0].headers.Bad Name: 'Bad Name' {name}",
        f"error: {where('headers_env')}: channels[0].headers_env.X:Auth: 'X:Auth' {name}",
        f"error: {where('headers = ')}: channels[0].headers.X-Note: {value}",
        f"error: {where('headers = ')}: channels[0].headers.X-Price: {value}",
    ]


async def test_a_header_from_the_environment_that_cannot_be_sent_is_tried_once(tmp_path):
    from console.model.events import Kind
    from tests.hooks import HookServer
    from tests.notify_rig import conductor_for, finish, settings_with

    channel = {
        "name": "status",
        "kind": "webhook",
        "url_env": "STATUS_HOOK_URL",
        "headers_env": {"Authorization": "STATUS_HOOK_AUTH"},
        "backoff": 0,
    }
    with HookServer() as hooks:
        conductor = conductor_for(settings_with([channel]), tmp_path)
        conductor.notifier.environ = {
            "STATUS_HOOK_URL": hooks.url + "/status",
            "STATUS_HOOK_AUTH": "Bearer abc\r\nX-Injected: 1",
        }
        await conductor.run_step("communicate")
        await finish(conductor)
        assert hooks.received == []
    # the update, then the close's: each tried once
    results = [e.data for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT]
    assert len(results) == 2, results
    for result in results:
        assert (result.ok, result.attempts) == (False, 1)
        assert result.detail.startswith("not sent: Invalid header value")


def test_a_backoff_longer_than_any_wait_is_refused(tmp_path):
    """`backoff = 300` was accepted (up to 300), and every wait was then cut to 60 s."""
    channels = '\n[[channels]]\nname = "x"\nkind = "command"\ncommand = "true"\nbackoff = 300\n'
    lines, where, _ = said(tmp_path, channels, 2)
    assert lines == [f"error: {where('backoff')}: channels[0].backoff: must be at most 60 (is 300)"]


def test_a_header_variable_no_request_can_carry_is_warned_of(tmp_path, monkeypatch):
    """check-config says so before the run, naming the variable, never its value."""
    monkeypatch.setenv("STATUS_HOOK_URL", "http://127.0.0.1:9/status")
    monkeypatch.setenv("STATUS_HOOK_AUTH", "Bearer sekrit\r\nX-Injected: 1")
    channels = (
        '\n[[channels]]\nname = "status-page"\nkind = "webhook"\nurl_env = "STATUS_HOOK_URL"'
        '\nheaders_env = { Authorization = "STATUS_HOOK_AUTH" }\n'
    )
    lines, where, printed = said(tmp_path, channels, 0)
    assert lines == [
        f"warning: {where('headers_env')}: channels[0].headers_env: $STATUS_HOOK_AUTH is set"
        " here to something an HTTP header cannot carry (a line break, a control character"
        " or a character outside Latin-1); sending on channel 'status-page' will fail until"
        " it can"
    ]
    assert "sekrit" not in printed


def test_a_routing_key_in_place_of_its_variable_is_refused_without_being_shown(tmp_path):
    """A PagerDuty integration key is a valid variable name when it starts with a letter:
    pasted into routing_key_env, check-config printed it ('$e93f... is not set here') and
    each send journalled it ('environment variable e93f... is not set')."""
    key = "e93facc04764012d7bfb002500d5d1a6"
    channels = f'\n[[channels]]\nname = "oncall"\nkind = "pagerduty"\nrouting_key_env = "{key}"\n'
    lines, where, printed = said(tmp_path, channels, 2)
    assert lines == [
        f"error: {where('routing_key_env')}: channels[0].routing_key_env: looks like a key"
        " itself (lowercase letters and digits, as PagerDuty's), not the name of the"
        " environment variable holding it (not shown: it is a secret): export it, e.g."
        " PAGERDUTY_ROUTING_KEY=..., and name that variable here"
    ]
    assert key not in printed


def test_a_url_no_request_can_go_to_is_refused_without_being_shown(tmp_path):
    """`url = "https://hooks.example.com:44e3/h/<token>"` (a port that is no number) passed
    check-config and failed only as the run sent its first update."""
    channels = (
        f'[[channels]]\nname = "page"\nkind = "webhook"\nurl = "https://h.example:44e3/h/{TOKEN}"\n'
    )
    done, where = check_config_with(tmp_path, channels)
    assert done.returncode == 2, done.stdout + done.stderr
    assert (
        f"error: {where('url = ')}: channels[0].url: is not an http:// or https:// URL with a"
        " host, a numeric port if any, and no spaces (not shown: the URL is a secret)"
    ) in done.stderr
    assert TOKEN not in done.stdout + done.stderr
