"""Configured secrets never reach the journal or any export."""

import pytest

from console.demo.fleet import DemoFleet
from console.engine.conductor import Conductor
from console.engine.ssh import SshPool
from console.journal.export import EXPORT_FORMATS
from console.journal.recorder import Recorder
from console.journal.redact import MASK, Redactor
from console.journal.store import read_journal
from console.model.clock import FixedClock
from console.model.loading import load_settings
from console.model.settings import Settings
from console.paths import demo_config
from tests.events_factory import COMMANDER, START

PASSWORD = "hunter2-Pa55"
TOKEN = "tok_9f8e7d6c5b4a"
ENV_SECRET = "env-s3cr3t-value"


def _settings() -> Settings:
    data = load_settings(demo_config()).dumped()
    data["strategies"].append(
        {
            "name": "reset-admin",
            "kind": "custom",
            "params": [{"name": "password", "required": True}],
            "commands": {
                "action": "echo setting password {{password}} >/dev/null; echo token="
                + TOKEN
                + "; echo $DEMO_HOST"
            },
        }
    )
    for system in data["inventory"]["systems"]:
        if system["name"] == "web":
            system["strategies"].append("reset-admin")
    data["console"]["redact"] = {
        "values": [PASSWORD],
        "patterns": [r"token=\S+"],
        "env": ["ROLLBACK_TEST_SECRET"],
    }
    return Settings.validated(data)


async def test_secrets_are_masked_in_journal_and_every_export(tmp_path, monkeypatch):
    monkeypatch.setenv("ROLLBACK_TEST_SECRET", ENV_SECRET)
    settings = _settings()
    redact = settings.console.redact
    async with DemoFleet(settings) as fleet:
        recorder = Recorder.open(
            tmp_path / "incident",
            FixedClock(START),
            COMMANDER,
            Redactor(redact.values, redact.patterns, redact.env),
        )
        conductor = Conductor(fleet.settings, recorder, SshPool(fleet.settings.inventory.ssh))
        try:
            conductor.open_incident("redaction", "inc-redact")
            conductor.select(["web"], ["web-1"])
            conductor.choose_strategy("reset-admin", {"password": PASSWORD})
            conductor.note(f"the deploy token was {ENV_SECRET}, rotate it")
            assert await conductor.run_step("restore")
        finally:
            await conductor.shutdown()
            recorder.close()
    files = {p.name: p.read_text() for p in (tmp_path / "incident").iterdir()}
    events = read_journal(tmp_path / "incident").events
    documents = {name: f.render(events, False) for name, f in EXPORT_FORMATS.items()}
    for name, text in {**files, **documents}.items():
        for secret in (PASSWORD, TOKEN, ENV_SECRET):
            assert secret not in text, f"{secret!r} leaked into {name}"
    assert MASK in files["journal.jsonl"] and MASK in files["output.jsonl"]
    output = [ln for e in events if e.kind == "command.output" for ln in e.data.lines]
    assert output == [MASK, "web-1"]


def test_redactor_masks_values_patterns_and_environment(monkeypatch):
    monkeypatch.setenv("X_SECRET", "abc-123")
    redactor = Redactor(["pw1"], [r"Bearer \S+"], ["X_SECRET", "UNSET_VAR"])
    data = {"a": "pw1 and abc-123", "b": ["Authorization: Bearer xyz"], "n": 3}
    assert redactor.data(data) == {
        "a": f"{MASK} and {MASK}",
        "b": [f"Authorization: {MASK}"],
        "n": 3,
    }


def test_a_long_secret_cut_in_an_error_message_is_still_masked():
    """A refusal quotes at most 80 characters of a value: that cut form is masked too."""
    from console.model.templates import ParameterError, check_value

    secret = "S" * 100 + " tail"
    redactor = Redactor([secret])
    with pytest.raises(ParameterError) as refused:
        check_value("token", secret, "version", None)
    assert "S" * 80 in str(refused.value)
    assert "S" * 20 not in redactor.text(str(refused.value))


def test_each_pattern_keeps_its_own_inline_flags():
    """The shipped example's pattern starts with (?i): joined with others it was an error."""
    redactor = Redactor(["pw1"], [r"(?i)(password|token|secret)=\S+", r"Bearer \S+"])
    text = redactor.text("TOKEN=abc password=x Bearer y pw1")
    assert text == "«redacted» «redacted» «redacted» «redacted»"
