"""A journal named on the command line by a symbolic link the user made is followed when
the link and the file are the user's own, and said in one line otherwise. Walked as a
responder keeping `~/incidents/current.jsonl` -> the open incident's journal in the team's
journal_dir: `export` and `follow` of it said '...current.jsonl: cannot be read: a
symbolic link, not the file itself', and `resume` of it '.../current.jsonl/journal.jsonl:
no such journal'. The journal's readers still never follow a link inside a directory (one
planted in a team's directory read another incident under this one's name)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.sshd import ensure_test_account
from tests.test_planted_links import _console as console

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")

GOLDEN = Path(__file__).parent / "golden" / "journals" / "version-rollback"


def incident(where: Path, uid: int = 0) -> Path:
    """A copy of a golden incident's files in `where`, of account `uid`: its journal."""
    where.mkdir(parents=True)
    for name in ("journal.jsonl", "output.jsonl"):
        shutil.copyfile(GOLDEN / name, where / name)
        os.chown(where / name, uid, -1)
    os.chown(where, uid, -1)
    return where / "journal.jsonl"


def test_a_link_of_ones_own_to_ones_own_journal_is_followed(tmp_path) -> None:
    journal = incident(tmp_path / "journals" / "20261204-030000-ab12")
    current = tmp_path / "current.jsonl"
    current.symlink_to(journal)
    exported = console(tmp_path, "export", str(current))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == console(tmp_path, "export", str(journal)).stdout
    followed = console(tmp_path, "follow", "--plain", str(current))
    assert followed.returncode == 0, followed.stderr
    assert followed.stdout == console(tmp_path, "follow", "--plain", str(journal)).stdout


def test_a_link_to_another_accounts_file_or_of_another_account_is_said_in_one_line(
    tmp_path,
) -> None:
    other = ensure_test_account()
    theirs = incident(tmp_path / "theirs", other.uid)
    to_theirs = tmp_path / "to-theirs.jsonl"
    to_theirs.symlink_to(theirs)
    said = console(tmp_path, "export", str(to_theirs))
    assert (said.returncode, said.stdout) == (2, "")
    assert said.stderr == (
        f"error: {to_theirs}: a symbolic link to {theirs}, {other.name}'s file, not followed:"
        " name that file itself\n"
    )
    mine = incident(tmp_path / "mine")
    planted = tmp_path / "planted.jsonl"
    planted.symlink_to(mine)
    os.lchown(planted, other.uid, -1)
    said = console(tmp_path, "export", str(planted))
    assert (said.returncode, said.stdout) == (2, "")
    assert said.stderr == (
        f"error: {planted}: a symbolic link of {other.name}'s (to {mine}), not followed: name"
        " the journal itself\n"
    )
    dangling = tmp_path / "dangling.jsonl"
    dangling.symlink_to(tmp_path / "gone.jsonl")
    said = console(tmp_path, "resume", str(dangling))
    assert said.returncode == 2
    assert said.stderr == (
        f"error: {dangling}: a symbolic link to {tmp_path / 'gone.jsonl'}, which does not exist\n"
    )
