"""Secrets on a real OpenSSH fleet: the host gets the real value, no record shows it.

`[redact]` in console.toml masks what is recorded or shown (journal, output file,
stdout, stderr, exports, dry run); it never changes what is sent. Each test writes
the value to a file on the host through `run`, `drill` or `exec`, reads that file back,
then searches every file the console wrote and everything it printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import Input, Static

from console.engine.conductor import Conductor, ProcedureError
from console.engine.ssh import SshPool
from console.journal.recorder import Recorder
from console.journal.redact import MASK, MASKED_NOTE, settings_redactor
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.screens.checklist import ChecklistScreen
from console.ui.screens.command_preview import CommandPreview
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.execution import ExecutionScreen
from tests.cli_fleet import HOSTS, Fleet, write_fleet
from tests.events_factory import COMMANDER, START
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    declare_and_pick,
    type_slowly,
    until,
)

pytestmark = pytest.mark.sshd

# Quotes, a dollar and a space: shell-quoted, it no longer reads as itself.
SECRET = "tok'3n $HOME zq7-Secret"
TOKEN_ENV = "RB_TEST_DEPLOY_TOKEN"

STRATEGIES = {
    "strategies": [
        {
            "name": "set-token",
            "kind": "custom",
            "description": "Write the deploy token where the service reads it",
            "params": [{"name": "token", "required": True}],
            "commands": {
                "precheck": "test -d .",
                "action": "printf '%s' {{token}} > token.out && echo wrote {{token}}",
                "verify": "cat token.out; echo",
                "undo": "rm -f token.out",
            },
        }
    ]
}
PROCEDURE = {
    "name": "Token rotation",
    "phases": [
        {
            "phase": "immediate",
            "steps": [{"id": "look", "title": "Look", "kind": "command", "command": "true"}],
        },
        {
            "phase": "execution",
            "steps": [
                {"id": "restore", "title": "Restore the token", "kind": "strategy"},
                {"id": "verify", "title": "Verify system stability", "kind": "probe"},
            ],
        },
        {
            "phase": "post",
            "steps": [{"id": "doc", "title": "Document", "kind": "form", "fields": ["reason"]}],
        },
    ],
}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    """Two hosts on a real sshd; the token's value is in the environment, named by
    console.toml's `[redact] env`, as `run --param token=$TOKEN` would have it."""
    files = {
        "strategies.toml": STRATEGIES,
        "procedure.toml": PROCEDURE,
        "triggers.toml": {"soak": {"samples": 1, "interval": 0.1}},
        "console.toml": {"redact": {"env": [TOKEN_ENV]}},
    }
    probes = [{"name": "up", "kind": "command", "command": "echo 0", "threshold": 1}]
    return write_fleet(
        sshd_server,
        tmp_path,
        files,
        strategies=["set-token"],
        probes=probes,
        env={TOKEN_ENV: SECRET},
    )


def assert_nowhere(fleet: Fleet, *printed: str) -> None:
    """The secret is in no file under the state dir or the test's dir, and in nothing
    the console printed; the mask is there instead."""
    roots = [fleet.state, fleet.config.parent]
    files = [p for root in roots for p in root.rglob("*") if p.is_file()]
    assert any(p.name == "journal.jsonl" for p in files)
    for path in files:
        data = path.read_bytes()
        assert SECRET.encode() not in data, f"the secret is in {path}"
        assert b"zq7-Secret" not in data, f"part of the secret is in {path}"
    for text in printed:
        assert SECRET not in text and "zq7-Secret" not in text, text


def run_args(fleet: Fleet, command: str = "run", *extra: str) -> list[str]:
    return [
        command, "--systems", "app", "--strategy", "set-token", "--param", f"token={SECRET}",
        "--trigger", "stakeholder-decision", "--reason", "rotate the token", "--yes",
        "--journal", str(fleet.state / "incident"), *extra,
    ]  # fmt: skip


def exported(fleet: Fleet) -> list[str]:
    """Every export format of the incident, to stdout and to a file."""
    out = []
    for fmt in ("markdown", "json", "node"):
        target = fleet.state / f"doc.{fmt}"
        journal = str(fleet.state / "incident" / "journal.jsonl")
        to_file = fleet.cli("export", journal, "--format", fmt, "-o", str(target))
        to_stdout = fleet.cli("export", journal, "--format", fmt)
        assert to_file.returncode == to_stdout.returncode == 0, to_file.stderr
        out += [to_stdout.stdout, to_stdout.stderr, to_file.stdout, to_file.stderr]
        assert MASK in target.read_text()
    return out


@pytest.mark.parametrize("command", ["run", "drill"])
def test_run_and_drill_send_the_real_value_and_record_only_the_mask(fleet, command):
    dry = fleet.cli(*run_args(fleet, command, "--dry-run"))
    assert dry.returncode == 0, dry.stderr
    assert f"printf '%s' '{MASK}' > token.out" in dry.stdout
    assert dry.stdout.count(f"# {MASKED_NOTE}") == len(HOSTS)  # the action, on each host

    result = fleet.cli(*run_args(fleet, command))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rolled back and verified" in result.stdout
    assert fleet.written("token.out") == dict.fromkeys(HOSTS, SECRET)

    events = read_journal(fleet.state / "incident").events
    intents = [e for e in events if e.kind == Kind.COMMAND_INTENT and e.data.stage == "action"]
    assert len(intents) == len(HOSTS) and all(e.data.masked for e in intents)
    output = [ln for e in events if e.kind == Kind.COMMAND_OUTPUT for ln in e.data.lines]
    assert output.count(f"wrote {MASK}") == len(HOSTS)  # the host printed it back: masked
    assert_nowhere(fleet, dry.stdout, dry.stderr, result.stdout, result.stderr, *exported(fleet))


def test_exec_sends_the_typed_secret_and_records_only_the_mask(fleet):
    # As `exec ... "$(cat token)"` would type it: the value itself, in a quoted here-doc.
    typed = f"cat > exec.out <<'END'\n{SECRET}\nEND\ncat exec.out"
    result = fleet.cli("exec", "--systems", "app", typed)
    assert result.returncode == 0, result.stdout + result.stderr
    assert fleet.written("exec.out") == dict.fromkeys(HOSTS, SECRET + "\n")
    for host in HOSTS:
        assert f"{host}: {MASK}" in result.stdout  # the host's echo, masked on stdout
    journals = list((fleet.state).rglob("journal.jsonl"))
    assert len(journals) == 1
    (fleet.state / "incident").symlink_to(journals[0].parent)
    assert_nowhere(fleet, result.stdout, result.stderr, *exported(fleet))


def test_a_refused_secret_is_quoted_masked(fleet):
    """A value that fails its check is named in the error, masked."""
    strategies = {"strategies": [{**STRATEGIES["strategies"][0]}]}
    strategies["strategies"][0]["params"] = [
        {"name": "token", "pattern": "[a-z]+", "required": True}
    ]
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))
    for extra in ((), ("--dry-run",)):
        result = fleet.cli(*run_args(fleet, "run", *extra))
        assert result.returncode == 2
        assert f"parameter 'token': {MASK} is not text matching" in result.stderr
        assert SECRET not in result.stdout + result.stderr
    assert not any((s / "token.out").exists() for s in fleet.sandboxes.values())


async def test_after_a_resume_a_masked_value_is_asked_for_never_sent_masked(fleet, tmp_path):
    """A new console on the journal knows the value only masked: the step is refused
    until the strategy is chosen again with it; then the host gets the real value."""
    os.environ[TOKEN_ENV] = SECRET
    try:
        settings = load_settings(fleet.config)
        redactor = settings_redactor(settings)
    finally:
        del os.environ[TOKEN_ENV]
    directory = tmp_path / "incident"

    def conductor() -> Conductor:
        recorder = Recorder.open(directory, FixedClock(START), COMMANDER, redactor)
        return Conductor(settings, recorder, SshPool(settings.inventory.ssh))

    first = conductor()
    first.open_incident("rotation", "inc-secret")
    first.select(["app"])
    first.choose_strategy("set-token", {"token": SECRET})
    first.recorder.close()
    again = conductor()  # as `resume` builds it: from the journal alone
    try:
        assert again.state.params == {"token": MASK}
        with pytest.raises(ProcedureError, match="'token' of 'set-token' is masked"):
            await again.run_step("restore")
        with pytest.raises(ProcedureError, match="is masked"):
            again.preview("restore")
        assert not any(e.kind == Kind.COMMAND_INTENT for e in again.recorder.events)
        again.choose_strategy("set-token", {"token": SECRET})
        assert await again.run_step("restore")
    finally:
        await again.shutdown()
        again.recorder.close()
    assert fleet.written("token.out") == dict.fromkeys(HOSTS, SECRET)
    assert SECRET.encode() not in (directory / "journal.jsonl").read_bytes()


# -- the console: the parameters form, the preview, the run --------------------------

UI_SECRET = "uiSecret42zq"  # typed key by key into the form


async def test_console_hides_a_typed_secret_sends_it_and_records_only_the_mask(
    fleet, tmp_path, monkeypatch
):
    monkeypatch.setenv(TOKEN_ENV, UI_SECRET)
    settings = load_settings(fleet.config)
    app = build_app(settings, tmp_path / "incidents")
    screens: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_and_pick(pilot, "rotate the leaked token")
        await pilot.press("space")  # the `app` system
        for _ in range(10):  # Tab to the token field
            if app.focused is not None and app.focused.has_class("param"):
                break
            await pilot.press("tab")
        field = app.focused
        assert isinstance(field, Input) and field.name == "token"
        await type_slowly(pilot, UI_SECRET)  # the picker's parameter, key by key
        await until(pilot, lambda: field.password)  # hidden as soon as the redaction covers it
        note = app.screen.query_one("#params-secret", Static)
        assert note.display and "token: a secret ([redact] in" in str(note.render())
        screens.append(app.export_screenshot())
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        conductor = app.conductor
        assert conductor is not None and conductor.state.params == {"token": MASK}

        app.screen.select_step("restore")
        await pilot.press("p")
        assert isinstance(app.screen, CommandPreview)
        shown = str(app.screen.query_one("#commands-text", Static).render())
        assert f"printf '%s' '{MASK}' > token.out" in shown and MASKED_NOTE in shown
        screens.append(app.export_screenshot())
        await pilot.press("escape")

        for step in ("look", "restore"):
            app.do_step(step)
            await pilot.pause(0.1)
            if isinstance(app.screen, RunConfirm):  # it shows what it sends: masked
                screens.append(app.export_screenshot())
                await pilot.press("y")
            await until(pilot, lambda s=step: conductor.state.step(s).status.finished)
            assert conductor.state.step(step).status.value == "done", step
        await until(pilot, lambda: isinstance(app.screen, ExecutionScreen))
        await pilot.pause(0.3)
        screens.append(app.export_screenshot())
        await pilot.press("f4")
        screens.append(app.export_screenshot())
    assert fleet.written("token.out") == dict.fromkeys(HOSTS, UI_SECRET)
    files = [p for p in (tmp_path / "incidents").rglob("*") if p.is_file()]
    assert files
    for text in [*screens, *(p.read_text() for p in files)]:
        assert UI_SECRET not in text
