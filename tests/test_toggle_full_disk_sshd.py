"""A flags file preset whose copy for undo meets a full disk, on a real sshd and a real
filesystem (a small tmpfs mounted on the host's .rollback/): the copy cut short failed the
host, nothing changed; the retry, once there was room, took that empty copy for the one
"this incident made first", set the flags, and the undo then refused saying 'flag
new_checkout on db-1 is gone from flags' (it was in flags: it was the copy that held
nothing), the feature left off with no way back but by hand (walked on a hand-built fleet,
helper-157). The copy is now there only once whole."""

from __future__ import annotations

import subprocess

import pytest

from tests.pgrig import undo
from tests.test_presets_sshd import FLAGS_FILE, configure, flags_off, retried_in_one_incident

pytestmark = pytest.mark.sshd

NEW_CHECKOUT = '{ name = "flags", default = "new_checkout" }'
REENABLE = (
    '[[strategies]]\nname = "reenable"\nkind = "feature-reenable"\npreset = "file"\n'
    f'params = [{NEW_CHECKOUT}, {FLAGS_FILE}, {{ name = "steps", default = "25,100" }}]\n'
)


@pytest.fixture
def full_rollback_dir(sshd_server):
    """A host work directory whose .rollback/ is a full filesystem, and how to free it."""
    app = sshd_server.sandbox("app")
    rollback = app / ".rollback"
    rollback.mkdir()
    account = sshd_server.account
    options = f"size=64k,uid={account.uid},gid={account.gid}"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(rollback)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        pytest.skip(f"no tmpfs to fill here: {mounted.stderr.strip()}")
    filler = rollback / "filler"
    try:
        with open(filler, "wb", buffering=0) as fh, pytest.raises(OSError, match="No space left"):
            for _ in range(1000):  # bounded: 64k fills long before
                fh.write(b"\0" * 4096)
        yield app, filler.unlink
    finally:
        subprocess.run(["umount", "-l", str(rollback)], check=False)


@pytest.mark.parametrize(
    ("strategy", "before", "after"),
    [("flags-off", "100", "0"), ("reenable", "0", "100")],
)
async def test_a_copy_cut_short_by_a_full_disk_is_made_again_by_the_retry(
    sshd_server, tmp_path, full_rollback_dir, strategy, before, after
):
    app, make_room = full_rollback_dir
    (app / "flags").write_text(f"new_checkout={before}\ndark_mode=50\n")
    strategies = flags_off(NEW_CHECKOUT, FLAGS_FILE) + REENABLE
    config = configure(sshd_server, tmp_path, app, strategies)

    def freed() -> None:
        assert (app / "flags").read_text() == f"new_checkout={before}\ndark_mode=50\n"
        assert not list((app / ".rollback").glob("flags-before-*-inc-retried"))
        make_room()

    await retried_in_one_incident(config, tmp_path, strategy, freed)
    assert (app / "flags").read_text() == f"new_checkout={after}\ndark_mode=50\n"

    ok, state = await undo(config, tmp_path / "one" / "journal.jsonl")
    assert ok, state.step("restore.undo").hosts["db-1"].said()
    assert (app / "flags").read_text() == f"new_checkout={before}\ndark_mode=50\n"
