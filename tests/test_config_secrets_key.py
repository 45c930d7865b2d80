"""The key of an incident's configuration secrets (config-secrets.key), read wherever the
incident goes on, on real files and a real second account. Seen: a teammate who took an
incident over could never read its key (its owner's, 0600, left behind in `ID~OWNER/`), so
its secrets always read "not compared"; and the incidents opened 13:08-13:51 UTC on
2026-12-07 wrote the key as 32 raw bytes, which the reader of 64 hex digits refused."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

import pytest

from console.engine import config_secrets
from console.engine.config_kept import KEPT_NAME, keep, kept
from console.engine.config_opened import opened_event
from console.engine.config_secrets import KEY_NAME, sealed, secrets_changed
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.kept_file import read_kept
from console.model.loading import ABSENT, load_settings
from tests.events_factory import recorder_in
from tests.test_handover import take
from tests.test_incident_custody import (  # noqa: F401 (a fixture)
    INCIDENT,
    TITLE,
    shared,
    team_config,
)
from tests.test_team_dirs import as_account, team  # noqa: F401 (a fixture)

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="a second account needs root")


def _procedure(token: str) -> dict[str, bytes | str]:
    """The files as the loader reads them: a procedure whose webhook's URL holds `token`."""
    text = f'[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "https://hooks.example/{token}"\n'
    return {"procedure": text.encode(), "console": ABSENT}


def _opened(directory: Path, found: object) -> None:
    """The incident's opening, with the HMACs its key made (as opening.py records it)."""
    recorder = recorder_in(directory)
    recorder.record(Kind.INCIDENT_OPENED, incident_id=INCIDENT, title=TITLE, config_secrets=found)
    recorder.close()


def _compared(journal: Path, token: str) -> tuple[dict[str, list[str]], str]:
    """What a resume, an undo or a verify finds of the secrets, the URL's token now `token`."""
    return secrets_changed(opened_event(read_journal(journal).events), _procedure(token), journal)


CHANGED = {"procedure.toml": ["channels.hook.url: secret changed"]}


def test_a_key_written_as_raw_bytes_is_read(tmp_path: Path) -> None:
    """An incident opened between dd128f74 and a6bad6fa: its key, 32 random bytes, and
    the HMACs made with those bytes; read, its secrets are compared (they read "not
    compared ...: not this account's own 0600 file of 64 hex digits")."""
    directory = tmp_path / INCIDENT
    directory.mkdir(mode=0o700)
    key = secrets.token_bytes(32)
    fd = os.open(directory / KEY_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(key)
    places = config_secrets.secret_places(_procedure("tok-5e0c91aa77"))
    _opened(directory, config_secrets._hmacs(places, key))
    journal = directory / "journal.jsonl"
    assert _compared(journal, "tok-5e0c91aa77") == ({}, "")
    assert _compared(journal, "tok-b3d2f4e611") == (CHANGED, "")
    (directory / KEY_NAME).write_bytes(key[:31])  # neither form: refused, and said
    assert _compared(journal, "tok-5e0c91aa77")[1].endswith(
        f"its key ({KEY_NAME}) is not this account's own file of 64 hex digits that nobody"
        " else may write, nor others read"
    )


@root_only
def test_a_taken_over_incident_compares_its_secrets(shared) -> None:  # noqa: F811 (a fixture)
    """Root's incident in the team's journal_dir: its key and the files it opened with
    readable by the team as its journal is (0640); the teammate who takes it over gets a
    copy of them, and compares (its secrets, and what changed key by key)."""
    journals, locks, account = shared
    directory = journals / INCIDENT
    recorder_in(directory).close()  # the incident's directory, as the console makes it
    _opened(directory, sealed(_procedure("tok-5e0c91aa77"), directory / "journal.jsonl"))
    settings = load_settings(team_config(journals, locks))
    keep(settings, directory / "journal.jsonl")  # and the files it opened with, masked
    for name in (KEY_NAME, KEPT_NAME):
        assert stat.S_IMODE(os.stat(directory / name).st_mode) == 0o640, name

    def took_over() -> object:
        journal = take(journals, locks)
        said = _compared(journal, "tok-5e0c91aa77"), _compared(journal, "tok-b3d2f4e611")
        copied = read_kept(directory / KEPT_NAME)  # with where it was read from (6414c078)
        return said, copied == {**kept(settings), "directory": copied.get("directory")}

    said = as_account(account, took_over)
    assert said == repr(((({}, ""), (CHANGED, "")), True)), said
    for name in (KEY_NAME, KEPT_NAME):
        copied = os.stat(directory / name)
        assert copied.st_uid == account.uid and stat.S_IMODE(copied.st_mode) == 0o640, name


@root_only
def test_a_key_its_owner_alone_reads_says_where_it_is_and_what_to_do(shared) -> None:  # noqa: F811 (a fixture)
    """An incident whose key was written 0600 (opened before the team could read it),
    taken over: the key stays with the owner's journal; said, with what lets it be read,
    and once its owner has let the team read it, compared."""
    journals, locks, account = shared
    directory = journals / INCIDENT
    recorder_in(directory).close()
    _opened(directory, sealed(_procedure("tok-5e0c91aa77"), directory / "journal.jsonl"))
    (directory / KEY_NAME).chmod(0o600)

    said = as_account(account, lambda: _compared(take(journals, locks), "tok-b3d2f4e611"))
    kept = journals / f"{INCIDENT}~root" / KEY_NAME
    assert not (directory / KEY_NAME).exists()
    assert said == repr(
        (
            {},
            "the secrets of procedure.toml (channels.hook.url) not compared with the"
            f" opening's: its key stayed with the journal it was taken over from, {kept},"
            " which cannot be read by this account (Permission denied) (taken over before a"
            f" take copied it): root can let the team read it as the journal is, chmod 0640"
            f" {kept}",
        )
    ), said
    kept.chmod(0o640)
    journal = directory / "journal.jsonl"
    assert as_account(account, lambda: _compared(journal, "tok-b3d2f4e611")) == repr((CHANGED, ""))
