"""A headless run on a trigger given by hand reads the probes as the incident opens, on
real sshd. Nothing watched them before it (the console's home screen does, and gives its
incident what it read), so the document had no probe's before for a host the rollback
reached before any probe was read (`app/errors | – | 0.01 | app-1`), no first bad sample,
and said the console and a headless run give the same document while they did not
(helper-152, six sshd hosts). Detection is the earlier of the declaration and the first
bad sample: here the declaration.

Each test's time is its one `run` process (a real headless run, as a user starts it); the
document is read in-process, as `export --format json` writes it, not by a second process."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import tomli_w

from console.journal.export.json_export import render_json
from console.journal.store import read_journal
from tests.test_wave_probes_sshd import _fleet, _run

pytestmark = pytest.mark.sshd


def _document(journal: Path) -> dict:
    """The document `export --format json` writes of the incident in `journal`."""
    return json.loads(render_json(read_journal(journal / "journal.jsonl").events))["document"]


def test_a_headless_runs_document_has_every_hosts_probe_before(sshd_server, tmp_path: Path) -> None:
    fleet = _fleet(sshd_server, tmp_path, broken=False)
    done = _run(fleet, tmp_path / "inc")
    assert done.returncode == 0, done.stdout + done.stderr
    document = _document(tmp_path / "inc")
    changes = document["systems"][0]["changes"]
    errors = {h: (c["before"], c["after"]) for c in changes if c["key"] == "app/errors"
              for h in c["hosts"]}  # fmt: skip
    # app-2's wave was the last: no probe step reads after it in this procedure.
    assert errors == {"app-1": ("0.31", "0.01"), "app-2": ("0.31", None)}, changes
    milestones = {m["name"]: m for m in document["milestones"]["milestones"]}
    assert milestones["impact_detected"]["at"] is not None
    intervals = {i["name"]: i for i in document["milestones"]["intervals"]}
    # The probes were read once the incident was declared: detection is the declaration.
    assert intervals["time_to_mitigate"]["start"] == "trigger_declared", intervals


def test_a_run_on_the_trigger_firing_reads_the_other_probes_too(
    sshd_server, tmp_path: Path
) -> None:
    """`run --trigger auto` read only the probe that fired (its evidence): the others had no
    before on the canary (`web/health (probe) | – | ok | web-1`), where the console's
    document read `ERROR → ok` (helper-231's walk, five sshd hosts)."""
    fleet = _fleet(sshd_server, tmp_path, broken=False)
    health = "if grep -qx 2.4.1 version; then echo ok; else echo down; fi"
    inventory = tomllib.loads((fleet.config / "inventory.toml").read_text())
    inventory["systems"][0]["probes"].append(
        {"name": "health", "kind": "command", "command": health}
    )
    (fleet.config / "inventory.toml").write_text(tomli_w.dumps(inventory))
    trigger = {"name": "e", "kind": "error-threshold", "system": "app", "probe": "errors"}
    (fleet.config / "triggers.toml").write_text(
        tomli_w.dumps({"triggers": [trigger | {"consecutive": 1}]})
    )
    argv = ("--systems", "app", "--strategy", "pin-release", "--trigger", "auto", "--yes")
    done = fleet.cli("run", *argv, "--journal", str(tmp_path / "inc"))
    assert done.returncode == 0, done.stdout + done.stderr
    changes = _document(tmp_path / "inc")["systems"][0]["changes"]
    before = {(c["key"], h): c["before"] for c in changes for h in c["hosts"]}
    assert before[("app/health", "app-1")] == "down", changes
    assert before[("app/errors", "app-1")] == "0.31", changes
