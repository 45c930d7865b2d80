"""A channel's secrets and configuration: an unset variable named, check-config's
warnings of a secret not set or not a URL, what of a secret URL is masked in records
(an answer echoing it too), and the example channels valid once uncommented."""

from __future__ import annotations

import re

import pytest

from console.journal.redact import Redactor
from console.model.channels import Channel
from console.model.events import Kind
from console.model.loading import load_settings
from console.model.notify_kinds import ChannelKind
from console.paths import demo_config
from tests.keys_recorded import keys_recorded
from tests.notify_rig import (
    conductor_for,
    finish,
    records,
    settings_with,
)


async def test_an_unset_environment_variable_is_a_warning_that_names_it(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_HOOK", raising=False)
    channel = {"name": "slack", "kind": "slack", "url_env": "NOT_SET_HOOK"}
    conductor = conductor_for(settings_with([channel]), tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    result = [e for e in conductor.recorder.events if e.kind == Kind.NOTIFICATION_RESULT][-1]
    assert (result.data.ok, result.data.attempts) == (False, 0)
    assert result.data.detail == "not sent: environment variable NOT_SET_HOOK (url_env) is not set"


def test_the_example_channels_are_valid_once_uncommented(tmp_path):
    import shutil

    from console.paths import example_config

    target = tmp_path / "config"
    shutil.copytree(example_config(), target)
    procedure = target / "procedure.toml"
    code = re.compile(r"^# ((\[\[channels\]\])|([a-z_]+ = .*))$")
    lines = [
        m.group(1) if (m := code.match(line)) else line
        for line in procedure.read_text().splitlines()
    ]
    procedure.write_text("\n".join(lines) + "\n")
    settings = load_settings(target)
    assert [c.kind.value for c in settings.procedure.channels] == [
        "slack",
        "pagerduty",
        "webhook",
        "command",
    ]
    step = settings.procedure.step("communicate")
    assert step.channels == ["incidents"] and step.every == 15


def check_config_with_slack_channel(tmp_path, variable: str, value: str | None):
    """check-config on the demo's configuration (its drills left out: their demo faults are
    errors anywhere else) with a Slack channel whose URL is in `variable`, set to `value`
    (None: unset). The result, and the channel's `url_env` line."""
    import os
    import shutil
    import subprocess
    import sys

    config = tmp_path / "config"
    shutil.copytree(demo_config(), config, ignore=shutil.ignore_patterns("drills.toml"))
    with (config / "procedure.toml").open("a") as procedure:
        procedure.write(
            f'\n[[channels]]\nname = "incidents"\nkind = "slack"\nurl_env = "{variable}"\n'
        )
    keys_recorded(config)
    env = {k: v for k, v in os.environ.items() if k != variable}
    if value is not None:
        env[variable] = value
    done = subprocess.run(
        [sys.executable, "-m", "console", "check-config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    text = (config / "procedure.toml").read_text().splitlines()
    line = text.index(f'url_env = "{variable}"') + 1
    return done, f"{config}/procedure.toml:{line}"


def test_check_config_warns_of_a_channel_whose_secret_is_not_set(tmp_path):
    done, where = check_config_with_slack_channel(tmp_path, "NO_HOOK_X", None)
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: {where}: channels[0].url_env: $NO_HOOK_X is not set"
        " here; sending on channel 'incidents' will warn until it is"
    ) in done.stderr
    assert done.stdout.rstrip().endswith("1 warning")


def test_check_config_warns_of_a_url_variable_that_holds_no_url(tmp_path):
    """$SLACK_WEBHOOK_URL set without its scheme: every send would fail on it, so
    check-config says so, naming the variable and never its value (the URL is the secret)."""
    secret = "hooks.slack.com/services/T0/B0/sekrit"
    done, where = check_config_with_slack_channel(tmp_path, "HOOK_NO_SCHEME", secret)
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: {where}: channels[0].url_env: $HOOK_NO_SCHEME is set"
        " here to something that is not an http:// or https:// URL; sending on channel"
        " 'incidents' will fail until it is one"
    ) in done.stderr
    assert "sekrit" not in done.stdout + done.stderr


@pytest.mark.parametrize("where", ["127.0.0.1:8o80", "[::1", "hooks.slack.com:99999"])
def test_check_config_warns_of_a_url_variable_no_request_can_go_to(tmp_path, where):
    """$SLACK_WEBHOOK_URL with a typo in its port, or an IPv6 bracket left open: check-config
    looked no further than its http://, and the run found it out at its first update."""
    secret = f"http://{where}/services/T0/B0/sekrit"
    done, at = check_config_with_slack_channel(tmp_path, "HOOK_BAD_PORT", secret)
    assert done.returncode == 0, done.stderr
    assert (
        f"warning: {at}: channels[0].url_env: $HOOK_BAD_PORT is set"
        " here to something that is not an http:// or https:// URL; sending on channel"
        " 'incidents' will fail until it is one"
    ) in done.stderr
    assert "sekrit" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        ("/services/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXXXXXXXXXX"),
        ("/status/incident?token=t0k3n-s3cr3t&format=json", "t0k3n-s3cr3t"),
        ("/h/k7Qz9", "k7Qz9"),
        ("/hooks/status?token=Zq9", "Zq9"),
    ],
    ids=["path", "query", "short-path", "short-query"],
)
async def test_an_answer_that_echoes_the_secret_part_of_the_url_is_masked(
    hooks, tmp_path, monkeypatch, path, secret
):
    """A receiver that does not know the path answers as Express does, `Cannot POST
    /services/...` (or `/hook?token=...`): the URL's secret part, without its scheme and
    host, went into the journal as the answer's detail. The path echoed is masked whole, a
    short token too (`/h/k7Qz9`, `?token=Zq9`: kept before, under 8 characters)."""
    monkeypatch.setenv("STATUS_HOOK_URL", hooks.on(path, (404, f"Cannot POST {path}", {})))
    channel = {"name": "status", "kind": "webhook", "url_env": "STATUS_HOOK_URL", "retries": 0}
    conductor = conductor_for(settings_with([channel]), tmp_path)
    assert await conductor.run_step("communicate")
    await finish(conductor)
    assert len(hooks.at(path)) == 2  # sent unaltered: the update, then the close's
    text = records(conductor)
    assert "HTTP 404 Not Found: Cannot POST «redacted»" in text
    assert secret not in text


URL = "https://hooks.example.test/h/k7Qz9?format=json&sig=ab1&api_key=s3cr3tkey"


@pytest.mark.parametrize(
    ("url", "said", "recorded"),
    [
        (URL, "Cannot POST /h/k7Qz9", "Cannot POST «redacted»"),
        (URL, f"POST {URL[26:]} 404", "POST «redacted» 404"),
        (URL, "bad signature: sig=ab1", "bad signature: «redacted»"),
        (URL, "unknown key s3cr3tkey", "unknown key «redacted»"),
        # Ordinary words and paths stay: a short secret is masked only where it is one.
        (URL, "GET /h/ 200 format=json; ab1 is a cell", None),
        ("https://x.test/hooks/status?token=Zq9", "GET /hooks/status 200", None),
        ("https://x.test/hooks/status?token=Zq9", "no route /hooks/status?token=Zq9", "no route «redacted»"),
        ("https://bot:pw1@x.test/hook", "login bot:pw1@x.test refused", "login bot«redacted»x.test refused"),
        ("https://x.test/hook", "GET /hook 200", None),
        ("https://x.test/v1?token=Zq9", "GET /v1/users 200", None),
        ("https://x.test/v1/h/k7Qz9", "GET /v1/users 200; no /v1/h/k7Qz9", "GET /v1/users 200; no «redacted»"),
    ],
)  # fmt: skip
def test_what_of_a_secret_url_is_masked_in_records(url, said, recorded):
    """What a security engineer masks of a channel's URL in records (never in what is
    sent): the path as a receiver echoes it unless it is plain words, a secret-named
    query value whatever its length (with its name when short), and token-like parts;
    not an ordinary word or path that merely shares letters with a short token."""
    channel = Channel(name="status", kind=ChannelKind.WEBHOOK, url=url)
    assert Redactor(channel.secrets({})).text(said) == (recorded or said)
