"""A secret taken out of console.toml's `[redact] values` but still written elsewhere in the
configuration is never shown by the comparison with the incident's opening. Seen on a real
sshd host: the incident opened with `values = ["Pw-4f9c2e77"]`, that value also written in
strategies.toml's verify; taken out of the redact values, `undo ... --dry-run` said
`strategies.flip.commands.verify: "test -s said # «redacted»" → "test -s said #
Pw-4f9c2e77"`, and the undo noted it so in the journal."""

from __future__ import annotations

import pytest
import tomli_w

from console.journal.store import read_journal
from console.model.events import Kind
from tests.cli_fleet import flag_incident
from tests.folded import folded
from tests.test_config_changed_sshd import SECRET, _strategies, fleet  # noqa: F401 (a fixture)

pytestmark = pytest.mark.sshd

CHANGED = "this undo sends what --dry-run shows, the files as they are now."


async def test_a_secret_no_longer_named_is_still_masked_where_it_is_written(fleet) -> None:  # noqa: F811 (a fixture)
    async with flag_incident(fleet, "flip", "20261207-160000-beef") as conductor:
        journal = conductor.recorder.path
        assert await conductor.run_step("restore")
    (fleet.config / "console.toml").write_text("[redact]\nvalues = []\n")
    # written where it was, and somewhere new: the undo's command
    strategies = _strategies("echo old")
    strategies["strategies"][0]["commands"]["undo"] += f" # {SECRET}"
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))

    shown = fleet.cli("undo", str(journal.parent), "restore", "--dry-run")

    assert shown.returncode == 0, shown.stdout + shown.stderr
    [said] = [line for line in folded(shown.stdout, "# ! ", "#   ") if line.endswith(CHANGED)]
    assert said == (
        'strategies.toml (strategies.flip.commands.undo: …} > undone" →'
        ' …} > undone # «redacted»"); console.toml (redact.values: secret'
        f" changed) changed since the incident opened: {CHANGED}"
    ), said
    # Gone from where the opening had it, written anew elsewhere: the incident's key finds it.
    strategies["strategies"][0]["commands"]["verify"] = "test -s said"
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))
    undone = fleet.cli("undo", str(journal.parent), "restore", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    [said] = [line for line in folded(undone.stdout, "! ", "  ") if "changed since" in line]
    assert SECRET not in said and '"test -s said # «redacted»" → "test -s said"' in said, said
    assert '…} > undone # «redacted»")' in said, said
    # Nor in the note the undo leaves in the incident, which its document shows (nor in
    # the commands it records: tests/test_secret_opened_records_sshd.py).
    notes = [e.data.text for e in read_journal(journal).events if e.kind == Kind.NOTE_ADDED]
    [note] = [n for n in notes if "changed since the opening" in n]
    assert SECRET not in note and '"test -s said # «redacted»" → "test -s said"' in note, note


async def test_a_character_standing_where_the_secret_was_is_no_secret(fleet) -> None:  # noqa: F811 (a fixture)
    """Seen: the secret replaced by `-` was taken for it, and every `-` of every command was
    masked: `strategies.flip.commands.action: "sh -c {{restart}} > said" → "sh «redacted»c
    {{restart}} >…`, the action said changed though it was not, and the undo recorded as
    `sh «redacted»c 'echo old' > undone`."""
    async with flag_incident(fleet, "flip", "20261207-160000-beef") as conductor:
        journal = conductor.recorder.path
        assert await conductor.run_step("restore")
    (fleet.config / "console.toml").write_text("[redact]\nvalues = []\n")
    strategies = _strategies("echo old")
    strategies["strategies"][0]["commands"]["verify"] = "test -s said # -"
    (fleet.config / "strategies.toml").write_text(tomli_w.dumps(strategies))

    undone = fleet.cli("undo", str(journal.parent), "restore", "--yes")

    assert undone.returncode == 0, undone.stdout + undone.stderr
    [said] = [line for line in folded(undone.stdout, "! ", "  ") if "changed since" in line]
    assert said == (
        'strategies.toml (strategies.flip.commands.verify: "test -s said # «redacted»" →'
        ' "test -s said # -"); console.toml (redact.values: secret changed) changed since'
        " the incident opened: this undo sends what --dry-run shows, the files as they are now."
    ), said
    assert "sending undo (attempt 1): sh -c 'echo old' > undone" in undone.stdout, undone.stdout
