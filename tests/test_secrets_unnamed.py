"""Where the opening had a secret masked and the files now read otherwise, what stands in its
place is masked; never a blank, which would mask the spaces of every value said."""

from __future__ import annotations

from console.engine.secrets_unnamed import unnamed_secrets


def _files(strategies: str) -> dict:
    return {"files": {"strategies.toml": strategies}}


def test_what_stands_where_a_secret_was_is_found_never_a_blank() -> None:
    then = _files('[x]\nverify = "test -s said # «redacted»"\nrestart = "«redacted» go"\n')
    now = _files('[x]\nverify = "test -s said # Pw-4f9c2e77"\nrestart = "  go"\n')
    assert unnamed_secrets(then, now, None, None) == {"Pw-4f9c2e77"}


def test_a_guess_the_opening_shows_unmasked_or_of_one_character_is_no_secret() -> None:
    """What stands where a mask was is a guess: `-` is written unmasked elsewhere in the
    opening's copy, so it was never the secret (taken for one, every option of every
    command compared was masked); `1`, one character, stood for no secret (taken for
    one, every `wave 1 of 1` of the records after was masked)."""
    then = _files('[x]\naction = "sh -c go"\nverify = "test # «redacted»"\nundo = "«redacted»"\n')
    now = _files('[x]\naction = "sh -c go"\nverify = "test # -"\nundo = "1"\n')
    assert unnamed_secrets(then, now, None, None) == set()
    now = _files('[x]\naction = "sh -c go"\nverify = "test # Pw-4f"\nundo = "pw"\n')
    assert unnamed_secrets(then, now, None, None) == {"Pw-4f", "pw"}
