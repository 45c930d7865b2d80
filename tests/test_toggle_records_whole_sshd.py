"""What the flags file presets write on the host, on a real sshd and a real filesystem:
each record in .rollback/ is there whole or not at all, and the flags file keeps its mode.

The record of what the incident set the flags to (`<copy>.set`, what undo accepts finding)
and the restart-owed mark were written in place (`echo 0 > "$kept.set"`, `printf ... >
mark`): on a full disk each was left empty, and the `.set` after the flags had been
rewritten: the host failed with new_checkout at 0, and its undo refused, 'flag
new_checkout on db-1 reads 0, not  as this incident set it: nothing to undo', the feature
left off. Both are now written aside and renamed into place, the `.set` before the
flags change (holding both what they read and what they are set to) and again after it."""

from __future__ import annotations

import os

import pytest

from tests.pgrig import undo
from tests.test_presets_sshd import FLAGS_FILE, configure, flags_off, retried_in_one_incident, run
from tests.test_toggle_full_disk_sshd import full_rollback_dir

pytestmark = pytest.mark.sshd

__all__ = ["full_rollback_dir"]  # the fixture, used by name

NEW_CHECKOUT = '{ name = "flags", default = "new_checkout" }'
PAGE = 4096  # tmpfs gives a file a page at least


@pytest.mark.parametrize(
    ("pages", "restart"),
    [(1, '""'), (1, '"true"'), (2, '"true"')],
    ids=["set-record", "set-record-before-the-mark", "restart-mark"],
)
async def test_a_record_cut_short_by_a_full_disk_is_nowhere_and_nothing_changed(
    sshd_server, tmp_path, full_rollback_dir, pages, restart
):
    """Room in .rollback/ for the copy (and, with 2 pages, the .set): the next record
    meets the full disk. The host fails with the flags as they were and no record left
    half-written; with room again, the retry disables them and the undo puts them back."""
    app, make_room = full_rollback_dir
    filler = app / ".rollback" / "filler"
    os.truncate(filler, filler.stat().st_size - pages * PAGE)
    before = "new_checkout=100\ndark_mode=50\n"
    (app / "flags").write_text(before)
    with_restart = f'{{ name = "restart", default = {restart} }}'
    config = configure(
        sshd_server, tmp_path, app, flags_off(NEW_CHECKOUT, FLAGS_FILE, with_restart)
    )

    def failed_with_nothing_changed() -> None:
        assert (app / "flags").read_text() == before
        records = {p.name: p.read_text() for p in (app / ".rollback").iterdir() if p != filler}
        whole = {"flags-before-off-inc-retried": before}
        if pages == 2:  # the .set made it, whole, before the mark met the full disk
            whole["flags-before-off-inc-retried.set"] = "0\n"
        assert records == whole
        make_room()

    await retried_in_one_incident(config, tmp_path, "flags-off", failed_with_nothing_changed)
    assert (app / "flags").read_text() == "new_checkout=0\ndark_mode=50\n"
    assert (app / ".rollback" / "flags-before-off-inc-retried.set").read_text() == "0\n"

    ok, state = await undo(config, tmp_path / "one" / "journal.jsonl")
    assert ok, state.step("restore.undo").hosts["db-1"].said()
    assert (app / "flags").read_text() == before
    assert not list(app.glob("**/*.part")) and not (app / "flags.new").exists()


async def test_the_flags_file_keeps_its_mode_through_the_toggle_and_its_undo(sshd_server, tmp_path):
    """A flags file of mode 0660 (the service's group writes it too): rewritten by the
    toggle-off and by its undo, it was replaced by a file of the login user's umask
    (0644: the group could no longer write it; under umask 077, 0600: a service reading it
    through its group could no longer read it once restarted)."""
    app = sshd_server.sandbox("app")
    flags = app / "flags"
    flags.write_text("new_checkout=100\ndark_mode=50\n")
    config = configure(sshd_server, tmp_path, app, flags_off(NEW_CHECKOUT, FLAGS_FILE))
    flags.chmod(0o660)

    outcome = run(config, tmp_path, "flags-off")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert flags.read_text() == "new_checkout=0\ndark_mode=50\n"
    assert oct(flags.stat().st_mode & 0o7777) == oct(0o660)
    assert flags.stat().st_uid == sshd_server.account.uid

    ok, state = await undo(config, tmp_path / "state" / "incident-flags-off")
    assert ok, state.step("restore.undo").hosts["db-1"].said()
    assert flags.read_text() == "new_checkout=100\ndark_mode=50\n"
    assert oct(flags.stat().st_mode & 0o7777) == oct(0o660)
    assert not (app / "flags.new").exists()


async def test_a_flags_file_that_is_a_link_is_changed_where_it_points(sshd_server, tmp_path):
    """Walked on a real sshd fleet from init: the flags file a link to a shared one
    (`flags -> shared/flags`, as configuration management lays it out). The toggle-off
    replaced the link with a file of its own reading new_checkout=0 and left the file it
    pointed to, which the service read, at 100: 'rolled back and verified', the feature on.
    The file it points to is rewritten now, the link kept; and so by the undo."""
    app = sshd_server.sandbox("app")
    (app / "shared").mkdir()
    (app / "shared/flags").write_text("new_checkout=100\ndark_mode=50\n")
    (app / "flags").symlink_to("shared/flags")
    config = configure(sshd_server, tmp_path, app, flags_off(NEW_CHECKOUT, FLAGS_FILE))

    outcome = run(config, tmp_path, "flags-off")

    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert (app / "flags").is_symlink()
    assert (app / "shared/flags").read_text() == "new_checkout=0\ndark_mode=50\n"
    ok, state = await undo(config, tmp_path / "state" / "incident-flags-off")
    assert ok, state.step("restore.undo").hosts["db-1"].said()
    assert (app / "flags").is_symlink()
    assert (app / "shared/flags").read_text() == "new_checkout=100\ndark_mode=50\n"
    assert not list(app.glob("**/*.new"))
