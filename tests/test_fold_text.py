"""fold(): a reason folded to a panel's width on its words; a path too wide breaks after
its '/' or ',', a fingerprint after its 'SHA256:' (its key whole where a line holds it)."""

from __future__ import annotations

from console.ui.widgets.fold import fold

KEY = "ckYkmdjFDdQ5hmYZuOKrzK85TcvFqCOsH5HLToAzSJ0"  # 43 characters, a '/' possible in any


def test_a_path_wider_than_the_line_breaks_after_a_separator() -> None:
    said = "does not match /tmp/rollback-demo-tb30r_g8/known_hosts, /etc/ssh/ssh_known_hosts"
    assert fold(said, 30).splitlines() == [
        "does not match /tmp/",
        "rollback-demo-tb30r_g8/",
        "known_hosts,",
        "/etc/ssh/ssh_known_hosts",
    ]


def test_a_fingerprint_key_is_whole_on_a_line_that_holds_it() -> None:
    said = f"offered SHA256:{KEY}; refused"
    assert fold(said, 43).splitlines() == ["offered SHA256:", KEY, "; refused"]
    assert fold(said, 60).splitlines() == [f"offered SHA256:{KEY};", "refused"]
    # narrower than the key: cut at the width, every character kept
    assert fold(said, 30).splitlines() == ["offered SHA256:", KEY[:30], KEY[30:] + "; refused"]
