"""A secret of the configuration changed alone under a running incident is said by where it
is, never by what it is. Seen: console.toml's redact value and a channel's inline URL
changed between a crash and the resume; the files are hashed with their secrets masked,
so the resume and the step's confirmation said nothing. Real sshd host, Pilot at 80x24."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
import tomli_w
from textual.widgets import Static

from console.journal.export import EXPORT_FORMATS
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.screens.confirm_run import RunConfirm
from tests.cli_fleet import Fleet, flag_incident, write_fleet
from tests.folded import folded
from tests.test_config_changed_sshd import _procedure, _strategies
from tests.test_exports import SCHEMA
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    until,
)

pytestmark = pytest.mark.sshd

SECRET, NEW = "Pw-4f9c2e77", "Qx-8d1b3a55"  # console.toml's redact value, then and now
ESCAPED = '"Pw\\u002d4f9c2e77"'  # as written in the file: TOML reads SECRET
TOKEN, NEW_TOKEN = "tok-5e0c91aa77", "tok-b3d2f4e611"  # in the channel's inline URL


def _hooked(sent: Path, token: str) -> dict:
    """The procedure, with a webhook channel whose URL holds `token`."""
    procedure = _procedure(sent)
    hook = {"name": "hook", "kind": "webhook", "url": f"http://127.0.0.1:26501/h?t={token}"}
    procedure["channels"].append(hook)
    return procedure


def _drills(every: str) -> dict:
    """A drill scenario of `app`, falling due `every` so long."""
    scenario = {"name": "s", "systems": ["app"], "strategy": "flip", "trigger": "user-impact"}
    scenario["reason"] = "practice"
    return {"scenarios": [scenario], "schedule": [{"scenario": "s", "every": every}]}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    strategies = _strategies("echo old")
    strategies["strategies"][0]["commands"]["verify"] = "test -s said"
    files = {
        "strategies.toml": strategies,
        "procedure.toml": _hooked(tmp_path / "s", TOKEN),
        "drills.toml": _drills("30d"),
    }
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=["app-1"]
    )
    (fleet.config / "console.toml").write_text(f"[redact]\nvalues = [{ESCAPED}]\n")
    return fleet


async def test_a_secret_changed_alone_is_said_by_its_key_never_its_value(
    fleet: Fleet, tmp_path: Path
) -> None:
    console_toml = fleet.config / "console.toml"
    async with flag_incident(fleet, "flip", "20261207-130000-beef") as conductor:
        journal = conductor.recorder.path
    directory = journal.parent
    # The secret written with a TOML escape is masked as it is written too: neither its
    # bytes nor the file's plain sha256 are kept (seen: '"Pw\\u002d4f9c2e77"' kept whole).
    kept = (directory / "config-opened.json").read_text()
    assert "4f9c2e77" not in kept, kept
    assert json.loads(kept)["files"]["console.toml"] == '[redact]\nvalues = ["«redacted»"]\n'

    [opened] = [e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_OPENED]
    masked = console_toml.read_text().replace(ESCAPED, '"«redacted»"').encode()
    assert opened.data.config["console.toml"] == hashlib.sha256(masked).hexdigest()
    assert os.stat(directory / "config-secrets.key").st_mode & 0o777 == 0o600
    # Both secrets changed in the files, nothing else (a teammate's edit meanwhile), and
    # the drills' schedule, which no incident runs (seen: said as a change of this one).
    (fleet.config / "drills.toml").write_text(tomli_w.dumps(_drills("7d")))
    console_toml.write_text(f'[redact]\nvalues = ["{NEW}"]\n')
    procedure = fleet.config / "procedure.toml"
    procedure.write_text(tomli_w.dumps(_hooked(tmp_path / "s", NEW_TOKEN)))
    what = "procedure.toml (channels.hook.url: secret changed); console.toml (redact.values: secret changed)"
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        app.resuming.resume(journal)
        await until(pilot, lambda: any(n.title == "Configuration" for n in app._notifications))
        [said] = [n.message for n in app._notifications if n.title == "Configuration"]
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        notice = str(app.screen.query_one("#run-changed", Static).render())
        changes = str(app.screen.query_one("#run-changes", Static).render())
        await pilot.press("y")
        assert app.conductor is not None
        step = app.conductor.state.step
        await until(pilot, lambda: step("restore").status.value == "done", 30)
    assert said.startswith(f"{what} changed since the incident opened: "), said
    assert notice == "! 2 files changed since opening: this runs what is shown.", notice
    assert changes.startswith(f"! Changed since the incident opened: {what}; "), changes
    notes = [e.data.text for e in read_journal(journal).events if e.kind == Kind.NOTE_ADDED]
    assert "(channels.hook.url: secret changed)" in notes[-1], notes
    # Neither secret, nor their HMACs, nor the key reach a document.
    key = (directory / "config-secrets.key").read_bytes()
    hmacs = [h for keys in opened.data.config_secrets.values() for v in keys.values() for h in v]
    assert len(hmacs) == 2
    events = read_journal(journal).events
    for form in ("json", "markdown"):  # as `export` renders them
        exported = EXPORT_FORMATS[form].render(events, False)
        for secret in (SECRET, NEW, TOKEN, NEW_TOKEN, "config_secrets", *hmacs, key.decode()):
            assert secret not in exported, (form, secret)
    _schema_says_what_the_export_holds(fleet, journal)
    # Read where its key is not (the journal copied to another machine): said, not
    # claimed unchanged.
    elsewhere = tmp_path / "elsewhere" / directory.name
    elsewhere.mkdir(parents=True, mode=0o700)
    shutil.copy(journal, elsewhere / journal.name)
    shown = fleet.cli("undo", str(elsewhere), "restore", "--dry-run")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert folded(shown.stdout, "# ! ", "#   ") == [  # folded to 80 columns
        "The secrets of procedure.toml (channels.hook.url); console.toml (redact.values)"
        " not compared with the opening's: its key (config-secrets.key) is not beside its"
        " journal here; a secret changed since is not said."
    ], shown.stdout
    assert NEW not in shown.stdout


def _schema_says_what_the_export_holds(fleet: Fleet, journal: Path) -> None:
    """`export --format json` of the incident is valid against docs/export.schema.json,
    which names no key of an event's data the export left out of it (it named the
    opening's `config_secrets`, which every export leaves out)."""
    exported = fleet.cli("export", str(journal.parent), "--format", "json", "-o", "-")
    assert exported.returncode == 0, exported.stderr
    document, schema = json.loads(exported.stdout), json.loads(SCHEMA.read_text())
    jsonschema.validate(document, schema)
    named = {
        branch["if"]["properties"]["kind"]["const"]: schema["$defs"][
            branch["then"]["else"]["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        ]["properties"]
        for branch in schema["$defs"]["Event"]["allOf"]
    }
    recorded = {e.seq: e.data.dump() for e in read_journal(journal).events}
    for written in document["events"]:
        left_out = set(recorded[written["seq"]]) - set(written["data"])
        assert not left_out & set(named[written["kind"]]), (written["kind"], left_out)
    assert "config_secrets" in recorded[document["events"][0]["seq"]]  # in the journal alone


async def test_a_drill_is_not_said_changed_by_the_drills_schedule(fleet: Fleet) -> None:
    """drills.toml's schedule says when a drill falls due, never what one runs: changed
    under an open drill, it was said as a change of that drill. Its scenario still is."""
    from console.engine.config_kept import since_opening
    from console.engine.session import Engine

    engine = Engine(load_settings(fleet.config), fleet.state / "incidents")
    conductor = engine.new_incident("practice", drill=True, systems=["app"])
    journal = conductor.recorder.path
    await engine.close()
    conductor.recorder.close()
    drills = fleet.config / "drills.toml"
    drills.write_text(tomli_w.dumps(_drills("7d")))
    events = read_journal(journal).events
    assert since_opening(events, load_settings(fleet.config), journal) == []
    edited = _drills("7d")
    edited["scenarios"][0]["reason"] = "again"
    drills.write_text(tomli_w.dumps(edited))
    [changed] = since_opening(events, load_settings(fleet.config), journal)
    assert changed.said() == 'drills.toml (scenarios.s.reason: "practice" → "again")'
