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
