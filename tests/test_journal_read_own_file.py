"""A journal file of the reader's own is read wherever it lies: `export`, `follow` and
`resume` of a journal copied into /tmp (a directory of root's, every account's to write
in) read it, as they read it in the user's own directories.

The journal's readers refuse a file of another account than its directory's (planted in a
directory the team may write); a file of the reader's own is none that another account
planted. Seen reviewing that refusal: `export /tmp/journal.jsonl` of a journal the user had
copied there said '/tmp/journal.jsonl: cannot be read: another account's file (rbtest) in a
directory of root's', exit 2: the user's own file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from console.journal.store import read_journal
from tests import test_team_dirs
from tests.test_team_dirs import as_account

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")
team = test_team_dirs.team  # fixture

GOLDEN = Path(__file__).parent / "golden" / "journals" / "version-rollback"


def test_a_journal_of_ones_own_in_roots_shared_directory_is_read(team) -> None:
    shared, account = team  # root's, 2770: every account of the group writes in it, as /tmp
    for name in ("journal.jsonl", "output.jsonl"):  # the user's copy of an incident's files
        shutil.copyfile(GOLDEN / name, shared / name)
        os.chown(shared / name, account.uid, account.gid)
        (shared / name).chmod(0o600)
    journal = shared / "journal.jsonl"
    events = len(read_journal(GOLDEN / "journal.jsonl").events)

    said = as_account(account, lambda: len(read_journal(journal).events))

    assert said == repr(events), said
