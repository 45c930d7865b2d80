"""check-config warns of a secret under 6 characters, which is masked only where it stands
alone (README, docs/notifications.md): a `[redact]` value, or the value a variable holds
here (`[redact] env`, a channel's `headers_env`), one line each naming file, line and key,
never the secret. It said nothing: `values = ["pw1"]` was accepted as if masked
everywhere, and "pw1" stayed readable inside "pw1x" in the journal."""

from __future__ import annotations

import os

from tests.console_process import EXAMPLE_HOOK, console
from tests.keys_recorded import keys_recorded

HOOK = """
[[channels]]
name = "status-page"
kind = "webhook"
url_env = "STATUS_HOOK_URL"
headers_env = { Authorization = "STATUS_HOOK_AUTH" }
"""


def test_a_secret_under_6_characters_is_a_warning_naming_where_it_is_written(tmp_path):
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    settings = target / "console.toml"
    text = settings.read_text()
    settings.write_text(text.replace("values = []", 'values = ["s3cretvalue", "pw1"]'))
    procedure = target / "procedure.toml"
    procedure.write_text(procedure.read_text() + HOOK)
    keys_recorded(target)
    env = {**os.environ, **EXAMPLE_HOOK, "DEPLOY_TOKEN": "ab", "STATUS_HOOK_AUTH": "k1"}
    env["STATUS_HOOK_URL"] = "https://status.example/hook"
    checked = console("check-config", str(target), env=env)
    assert checked.returncode == 0, checked.stderr
    lines = text.splitlines()
    values = 1 + next(i for i, line in enumerate(lines) if line.startswith("values = "))
    named = 1 + next(i for i, line in enumerate(lines) if line.startswith("env = "))
    hook = len(procedure.read_text().splitlines())  # headers_env, the last line
    said = ", it is masked only where it stands alone, and shown where it is part of a longer word"
    assert checked.stderr.splitlines() == [
        f"warning: {settings}:{values}: redact.values[1]: a secret of 3 characters: under 6" + said,
        f"warning: {settings}:{named}: redact.env[0]: $DEPLOY_TOKEN holds a secret of 2"
        " characters: under 6" + said,
        f"warning: {procedure}:{hook}: channels[1].headers_env: $STATUS_HOOK_AUTH holds a"
        " secret of 2 characters: under 6" + said,
    ], checked.stderr
    assert checked.stdout.rstrip().endswith(", 3 warnings"), checked.stdout
    assert "pw1" not in checked.stderr and "k1" not in checked.stderr.replace("$", " ")
    # long enough: nothing said
    env |= {"DEPLOY_TOKEN": "s3cret-token", "STATUS_HOOK_AUTH": "Bearer abcdef"}
    settings.write_text(text)
    quiet = console("check-config", str(target), env=env)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
