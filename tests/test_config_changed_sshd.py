"""A console keeps the configuration it started with, and says so where a step is
confirmed once a file changed since. Seen: a teammate set strategies.toml's restart to
`sleep 20` while a console was open; its confirmation showed the old command, ran it, and
nothing said that the file now said otherwise. Real sshd host, Pilot at 80x24."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest
import tomli_w
from textual.widgets import Static

from console.engine.config_opened import changed_since_opened, hosts_digest
from console.journal.export import EXPORT_FORMATS
from console.journal.redact import settings_redactor
from console.journal.store import read_journal
from console.model.events import Kind
from console.model.loading import load_settings
from console.ui.screens.confirm_run import RunConfirm
from console.ui.screens.notify_dialog import NotifyDialog
from tests.cli_fleet import Fleet, checklist, flag_incident, write_fleet
from tests.fleet_settings import chown_tree
from tests.folded import folded, too_wide
from tests.test_ui_support import (  # noqa: F401
    _close_engines,
    _no_cursor_blink,
    build_app,
    open_incident,
    until,
)

pytestmark = pytest.mark.sshd


SECRET = "Pw-4f9c2e77"  # console.toml's redact value, written in strategies.toml too
MASKED = "«redacted»"


def _strategies(restart: str) -> dict:
    """A strategy whose action runs its `restart` parameter and keeps what it printed."""
    flip = {
        "name": "flip",
        "kind": "custom",
        "params": [{"name": "restart", "default": restart}],
        "commands": {
            "action": "sh -c {{restart}} > said",
            "verify": f"test -s said # {SECRET}",
            "undo": "sh -c {{restart}} > undone",
        },
    }
    return {"strategies": [flip]}


def _procedure(sent: Path) -> dict:
    """A strategy step, then a status update its channel appends to `sent` (on the jump
    host)."""
    restore = {"id": "restore", "title": "Restore", "kind": "strategy"}
    tell = {"id": "tell", "title": "Tell", "kind": "notify", "message": "done"}
    log = {"name": "log", "kind": "command", "command": f"echo {{{{message}}}} >> {sent}"}
    return checklist(restore, tell | {"channels": ["log"]}) | {"channels": [log]}


@pytest.fixture
def fleet(sshd_server, tmp_path: Path) -> Fleet:
    files = {
        "strategies.toml": _strategies("echo old"),
        "procedure.toml": _procedure(tmp_path / "sent-a"),
        "console.toml": {"redact": {"values": [SECRET]}},
    }
    return write_fleet(
        sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=["app-1"]
    )


def _sha(path: Path) -> str:
    """The first 12 hex digits of the file's sha256, its secret masked: what is recorded."""
    return hashlib.sha256(path.read_text().replace(SECRET, MASKED).encode()).hexdigest()[:12]


def plain_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_changed_strategies_toml_is_said_where_the_step_is_confirmed(
    fleet: Fleet, tmp_path: Path
) -> None:
    strategies = fleet.config / "strategies.toml"
    started = _sha(strategies)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with flag_incident(fleet, "flip") as conductor, app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        conductor.confirm("bridge")
        strategies.write_text(tomli_w.dumps(_strategies("echo new")))  # a teammate's edit
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        notice = app.screen.query_one("#run-changed", Static)
        assert str(notice.render()) == (
            "! strategies.toml changed since start: this runs what is shown."
        )
        assert notice.region.bottom <= 24 and notice.region.height == 1  # in sight, whole
        changes = str(app.screen.query_one("#run-changes", Static).render())
        assert changes == (
            "! Changed since the console started: strategies.toml"
            ' (strategies.flip.params.restart.default: "echo old" → "echo new" (not used by this incident: it keeps the value it chose)). To use the'
            " files as they are now: check-config, then quit (leaving the incident open) and"
            " resume it."
        )
        commands = app.screen.query_one("#run-commands .dialog-text", Static)
        shown = str(commands.render())
        assert "sh -c 'echo old' > said" in shown and "echo new" not in shown
        # The action's command in view as the dialog opens, not pushed below it by the
        # notice (seen at 80x24: a 4-line notice left 'run:' in sight, the command unseen).
        area = app.screen.query_one("#run-commands")
        lines = shown.splitlines()
        sent = next(i for i, line in enumerate(lines) if "echo old" in line)
        assert area.scroll_y == 0 and sent < area.region.height, (sent, area.region)
        await pilot.press("y")
        await until(pilot, lambda: conductor.state.step("restore").status.value == "done", 30)
        # The status update's channel edited too: its dialog says so, in one line, with
        # the channel and the message in sight, and sends what it shows (seen: nothing said,
        # the channel read at start shown and sent to).
        procedure = fleet.config / "procedure.toml"
        procedure.write_text(tomli_w.dumps(_procedure(tmp_path / "sent-b")))
        app.start_run("tell")
        await until(pilot, lambda: isinstance(app.screen, NotifyDialog))
        dialog = app.screen.query_one("#notify-dialog")
        notice = dialog.query_one("#notify-changed", Static)
        assert str(notice.render()) == (
            "! 2 files changed since start: this sends what is shown."
        )  # strategies.toml, procedure.toml: too long for one row
        [target] = [str(t.render()) for t in dialog.query(".target")]
        assert str(tmp_path / "sent-a") in target, target
        for widget in [notice, *dialog.query(".target"), dialog.query_one(".dialog-hint")]:
            assert dialog.content_region.contains_region(widget.region), widget
        assert dialog.region.bottom <= 24
        await pilot.press("enter")
        await until(pilot, lambda: conductor.state.step("tell").status.finished, 30)
        notes = [e for e in conductor.recorder.events if e.kind == Kind.NOTE_ADDED]
        await conductor.notifier.drain()
    assert (fleet.sandboxes["app-1"] / "said").read_text() == "old\n"  # what was shown ran
    assert (tmp_path / "sent-a").read_text() == "done\n"  # to the channel shown
    assert not (tmp_path / "sent-b").exists()
    note, told = notes
    assert told.where.step == "tell" and "procedure.toml (channels.log.command: " in told.data.text
    assert note.where.step == "restore"
    assert note.data.text == (
        "run with the configuration read when the console started, as its confirmation"
        f" showed: strategies.toml sha256 {started}… (now {_sha(strategies)}…); changed since:"
        ' strategies.toml (strategies.flip.params.restart.default: "echo old" → "echo new" (not used by this incident: it keeps the value it chose))'
    )


async def test_a_resume_says_a_file_changed_since_the_incident_opened(
    fleet: Fleet, tmp_path: Path
) -> None:
    """Resumed after strategies.toml's undo was edited, the console said nothing, and its
    undo showed and ran the new one. The resume says which file changed since the incident
    opened (its opening records each file's sha256), that what its confirmations show
    runs, and notes both sha256s."""
    strategies = fleet.config / "strategies.toml"
    opened = _sha(strategies)
    async with flag_incident(fleet, "flip") as conductor:
        journal = conductor.recorder.path
    edited = _strategies("echo new")
    edited["strategies"][0]["commands"]["undo"] = "sh -c {{restart}} > put-back"
    strategies.write_text(tomli_w.dumps(edited))  # a teammate's edit meanwhile
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        app.resuming.resume(journal)
        await until(pilot, lambda: any(n.title == "Configuration" for n in app._notifications))
        [said] = [n.message for n in app._notifications if n.title == "Configuration"]
        assert app.conductor is not None
        note = app.conductor.recorder.events[-1]
        # The step's confirmation says it too, key by key (seen: nothing, after a resume,
        # above 'echo new', not the command the incident opened with).
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        notice = str(app.screen.query_one("#run-changed", Static).render())
        changes = str(app.screen.query_one("#run-changes", Static).render())
    what = (
        'strategies.flip.params.restart.default: "echo old" → "echo new" (not used by this incident: it keeps the value it chose);'
        ' strategies.flip.commands.undo: "sh -c {{restart}} > undone" → "sh -c {{restart}} >'
        ' put-back"'
    )
    assert notice == "! strategies.toml changed since opening: this runs what is shown."
    assert changes == (
        f"! Changed since the incident opened: strategies.toml ({what}); this runs what is"
        " shown, the files as read at the console's start."
    ), changes
    assert said == (
        f"strategies.toml ({what}) changed since the incident opened: this console runs what"
        " its confirmations show, the files as they are now."
    )
    assert note.kind == Kind.NOTE_ADDED, note
    assert note.data.text == (
        "console runs what its confirmations show, the files as they are now: changed since"
        f" the opening: strategies.toml sha256 {opened}… at the opening, {_sha(strategies)}… now"
        f" ({what})"
    )


async def test_what_changed_is_said_against_what_the_console_read(
    fleet: Fleet, tmp_path: Path
) -> None:
    """strategies.toml changed after the console read it, before its app was built: the
    notice compared with the files as they were when the app was built, and read '"echo
    mid" → "echo new"' above commands saying 'echo old', what runs."""
    strategies = fleet.config / "strategies.toml"
    settings = load_settings(fleet.config)
    strategies.write_text(tomli_w.dumps(_strategies("echo mid")))
    app = build_app(settings, tmp_path / "incidents")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_incident(pilot)
        strategies.write_text(tomli_w.dumps(_strategies("echo new")))
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        said = str(app.screen.query_one("#run-changes", Static).render())
        assert '"echo old" → "echo new"' in said, said
        shown = str(app.screen.query_one("#run-commands Static", Static).render())
        assert "sh -c 'echo old' > said" in shown, shown


def _hosts_yml(port: int, *more: str) -> str:
    """An Ansible YAML inventory: group `web`, app-1 on the real sshd at `port`, `more`."""
    rest = "".join(f"        {name}:\n          ansible_host: 127.0.0.1\n" for name in more)
    return (
        "all:\n  children:\n    web:\n      hosts:\n        app-1:\n"
        f"          ansible_host: 127.0.0.1\n          ansible_port: {port}\n{rest}"
    )


async def test_an_edited_ansible_inventory_is_said_and_the_hosts_read_at_start_run(
    sshd_server, tmp_path: Path
) -> None:
    """Walked at 80x24 on a real sshd fleet whose hosts come from an Ansible hosts.yml
    (README, Hosts from an Ansible inventory): a teammate moved app-2 to another port and
    added a host mid-incident; the confirmation said nothing, and ran on the hosts read at
    start. It says the inventory changed and what, host by host, above and below the
    commands it runs (the hosts read at start); the note names both sha256s."""
    files = {"strategies.toml": _strategies("echo old"), "procedure.toml": _procedure(tmp_path)}
    fleet = write_fleet(
        sshd_server, tmp_path, files, strategies=["flip"], probes=[], hosts=["app-1"]
    )
    inventory = tomllib.loads((fleet.config / "inventory.toml").read_text())
    [system] = inventory["systems"]
    port, workdir = system["hosts"][0]["port"], system["hosts"][0]["workdir"]
    del system["hosts"]
    system |= {"workdir": workdir, "ansible": {"inventory": "../hosts.yml", "group": "web"}}
    (fleet.config / "inventory.toml").write_text(tomli_w.dumps(inventory))
    hosts = tmp_path / "hosts.yml"
    hosts.write_text(_hosts_yml(port))
    started = _hosts_sha(fleet.config)
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with flag_incident(fleet, "flip") as conductor, app.run_test(size=(80, 24)) as pilot:
        app.attach(conductor)
        conductor.confirm("bridge")
        hosts.write_text(_hosts_yml(9, "app-2"))  # a teammate's edit: a dead port, a host
        app.start_run("restore")
        await until(pilot, lambda: isinstance(app.screen, RunConfirm))
        notice = app.screen.query_one("#run-changed", Static)
        assert (
            str(notice.render()) == "! ../hosts.yml changed since start: this runs what is shown."
        )
        changes = str(app.screen.query_one("#run-changes", Static).render())
        assert changes.startswith(
            f"! Changed since the console started: ../hosts.yml (app.app-1.port: {port} → 9;"
            " app.app-2 added). To use the files as they are now:"
        ), changes
        shown = str(app.screen.query_one("#run-commands .dialog-text", Static).render())
        assert "Hosts: app-1\n" in shown, shown
        await pilot.press("y")
        await until(pilot, lambda: conductor.state.step("restore").status.value == "done", 30)
        [note] = [e for e in conductor.recorder.events if e.kind == Kind.NOTE_ADDED]
    assert (Path(workdir) / "said").read_text() == "old\n"  # on the port read at start
    now = _hosts_sha(fleet.config)
    assert f"../hosts.yml sha256 {started}… (now {now}…)" in note.data.text
    assert started != now and _sha(hosts) not in note.data.text


def _hosts_sha(config: Path) -> str:
    """The sha256 recorded of an Ansible inventory: of the hosts it gave, as converted (its
    vars beside them may hold a password), its first 12 digits."""
    settings = load_settings(config)
    return hosts_digest(settings.ansible_read, settings_redactor(settings).text)[:12]


async def test_verifying_unknown_hosts_says_a_changed_strategies_toml(sshd_server, tmp_path):
    """Walked: a run left app-2 unknown (its verify: still under way), strategies.toml's
    verify edited by a teammate, then V: its toast said nothing of it, and nothing noted
    which verify settled the host. V says it, verifies with the verify read at start, and
    notes the versions on the step."""
    from textual.notifications import Notification

    from tests.test_cli_run_sshd import _still_under_way_fleet

    fleet = _still_under_way_fleet(sshd_server, tmp_path)
    strategies = fleet.config / "strategies.toml"
    app = build_app(load_settings(fleet.config), tmp_path / "incidents")
    async with flag_incident(fleet, "flip") as conductor, app.run_test(size=(80, 24)) as pilot:
        assert not await conductor.run_step("restore")  # app-2 unknown
        (fleet.sandboxes["app-2"] / "slow").unlink()  # its change done since
        app.attach(conductor)
        edited = tomllib.loads(strategies.read_text())
        edited["strategies"][0]["commands"]["verify"] = "exit 1"  # a teammate's edit
        strategies.write_text(tomli_w.dumps(edited))
        made: list[str] = []
        lasting_toast = app.lasting_toast

        def seen(message: str, title: str, *args: object, **kwargs: object) -> Notification:
            made.append(message)
            return lasting_toast(message, title, *args, **kwargs)  # type: ignore[arg-type]

        app.lasting_toast = seen  # type: ignore[method-assign]
        await pilot.press("v")
        verified = Kind.UNKNOWN_VERIFIED
        await until(pilot, lambda: verified in {e.kind for e in conductor.recorder.events}, 30)
        notes = [e for e in conductor.recorder.events if e.kind == Kind.NOTE_ADDED]
        assert conductor.state.step("restore").hosts["app-2"].status.value == "succeeded"
        await until(
            pilot, lambda: any(n.title == "Unknown hosts checked" for n in app._notifications)
        )
        [answer] = [n.message for n in app._notifications if n.title == "Unknown hosts checked"]
    said = "\n! strategies.toml changed since start: this verifies with what the console read at start."
    [checking] = made
    assert checking.endswith(said), checking
    # said again with the answer, which takes its place (a quick one withdrew it unread)
    assert answer == f"app-2: verified: succeeded{said}", answer
    assert notes[-1].where.step == "restore"
    assert notes[-1].data.text.startswith(
        "verified with the configuration read when the console started: strategies.toml sha256 "
    ), notes[-1].data.text
    assert notes[-1].data.text.endswith(
        'strategies.toml (strategies.flip.commands.verify: "if [ -f slow ]; then echo "s… →'
        ' "exit 1")'
    ), notes[-1].data.text


def test_a_headless_run_says_a_file_changed_while_it_ran(fleet: Fleet) -> None:
    """The console says where a step is confirmed that a file changed since it started;
    `run` said nothing when strategies.toml was edited while it ran (here by its own
    status update's channel, on the jump host, after the strategy step). It says so in one
    line, and its note names both sha256s, what it ran being what it read as it started."""
    strategies = fleet.config / "strategies.toml"
    started = _sha(strategies)
    plain_then = plain_sha256(strategies)
    procedure = tomllib.loads((fleet.config / "procedure.toml").read_text())
    [channel] = procedure["channels"]
    channel["command"] = f"sed -i 's/echo old/echo new/' {strategies} # {{{{message}}}}"
    (fleet.config / "procedure.toml").write_text(tomli_w.dumps(procedure))
    journal = fleet.state / "incident"
    ran = fleet.cli(
        "run", "--systems", "app", "--strategy", "flip", "--trigger", "user-impact",
        "--reason", "checkout errors", "--journal", str(journal), "--yes",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "echo new" in strategies.read_text()  # the edit was made, mid-run
    assert (fleet.sandboxes["app-1"] / "said").read_text() == "old\n"
    line = "! strategies.toml changed since start: this run sent what it read as it started."
    assert ran.stdout.splitlines().count(line) == 1, ran.stdout
    notes = [e for e in read_journal(journal).events if e.kind == Kind.NOTE_ADDED]
    assert notes[-1].data.text.startswith(
        f"run with the configuration read as it started: strategies.toml sha256 {started}…"
        f" (now {_sha(strategies)}…); changed since: strategies.toml"
        ' (strategies.flip.params.restart.default: "echo old" → "echo new" (not used by this incident: it keeps the value it chose))'
    ), notes[-1].data.text
    # The incident opened with the file as it was: its undo, resume and verify say so.
    edited = tomllib.loads(strategies.read_text())
    edited["strategies"][0]["commands"]["undo"] = "sh -c {{restart}} > put-back"
    strategies.write_text(tomli_w.dumps(edited))  # a teammate's edit after the run
    what = (
        'strategies.flip.params.restart.default: "echo old" → "echo new" (not used by this incident: it keeps the value it chose);'
        ' strategies.flip.commands.undo: "sh -c {{restart}} > undone" → "sh -c {{restart}} >'
        ' put-back"'
    )  # key by key, as the console says it
    changed = f"strategies.toml ({what}) changed since the incident opened: this undo sends what"
    shown = fleet.cli("undo", str(journal), "restore", "--dry-run")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    # folded to 80 columns as the dry run's own words are (it was one line of 284)
    assert folded(shown.stdout, "# ! ", "#   ") == [
        f"{changed} --dry-run shows, the files as they are now."
    ], shown.stdout
    assert not too_wide(shown.stdout, ("#",)), shown.stdout
    assert "sh -c 'echo old' > put-back" in shown.stdout, shown.stdout  # what is shown runs
    undone = fleet.cli("undo", str(journal), "restore", "--yes")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    said = f"{changed} --dry-run shows, the files as they are now."
    assert folded(undone.stdout, "! ", "  ") == [said], undone.stdout
    assert not too_wide(undone.stdout, ("!", "  ")), undone.stdout
    assert (fleet.sandboxes["app-1"] / "put-back").read_text() == "old\n"
    notes = [e for e in read_journal(journal).events if e.kind == Kind.NOTE_ADDED]
    assert notes[-1].data.text == (
        "undo sends what --dry-run shows, the files as they are now: changed since the"
        f" opening: strategies.toml sha256 {started}… at the opening, {_sha(strategies)}… now"
        f" ({what})"
    ), notes[-1].data.text
    # No sha256 of a file holding a secret reaches the record or the document, whole or
    # its first 12 digits: with the file otherwise known, each guess of the secret could
    # be tested against it. Those recorded are of the files with the secret masked.
    exported = fleet.cli("export", str(journal), "--format", "json")  # its notes, events
    assert exported.returncode == 0, exported.stderr
    record = (journal / "journal.jsonl").read_text() + exported.stdout
    for name in ("console.toml", "strategies.toml"):
        assert plain_sha256(fleet.config / name)[:12] not in record, name
    assert plain_then[:12] not in record
    # The files it kept as it opened (what changed is said from them) hold it masked too.
    kept = (journal / "config-opened.json").read_text()
    assert SECRET not in kept, kept
    assert f"said # {MASKED}" in json.loads(kept)["files"]["strategies.toml"], kept
    [opened] = [e for e in read_journal(journal).events if e.kind == Kind.INCIDENT_OPENED]
    console_toml = (fleet.config / "console.toml").read_text().replace(SECRET, MASKED)
    assert opened.data.config["console.toml"] == hashlib.sha256(console_toml.encode()).hexdigest()
    # An opening of before (its sha256s plain) compares as it did; its note names the files
    # alone (the plain sha256s of the files now would be the guess's test again).
    older = fleet.state / "older"
    older.mkdir()
    first, *rest = (journal / "journal.jsonl").read_text().splitlines(keepends=True)
    line = json.loads(first)
    line["ts"] = "2026-12-07T09:00:00Z"  # before MASKED_CONFIG
    del line["data"]["config_secrets"]  # an opening of then recorded none
    line["data"]["config"] = {
        n: hashlib.sha256(p.read_bytes()).hexdigest() if (p := fleet.config / n).exists() else ""
        for n in line["data"]["config"]
    }
    line["data"]["config"]["strategies.toml"] = plain_then  # as it opened
    # Its notes named the plain sha256s' first 12 digits (written 08:09-10:20 UTC).
    then = [json.loads(e) | {"ts": "2026-12-07T09:00:00Z"} for e in rest]
    then = [json.loads(json.dumps(e).replace(started, plain_then[:12])) for e in then]
    assert sum(plain_then[:12] in json.dumps(e) for e in then) == 2
    (older / "journal.jsonl").write_text("".join(json.dumps(e) + "\n" for e in [line, *then]))
    events = read_journal(older).events
    settings = load_settings(fleet.config)
    assert changed_since_opened(events, settings) == (
        [("strategies.toml", plain_then, plain_sha256(strategies))],
        True,
    )
    again = EXPORT_FORMATS["json"].render(events, False)  # its document leaves them out
    assert plain_then[:12] not in again and '"config"' not in again, again
    assert "sha256 «left out» (now" in again
    markdown = EXPORT_FORMATS["markdown"].render(events, False)
    assert plain_then[:12] not in markdown and "sha256 «left out» (now" in markdown
    # An opening that records its secrets' HMACs says its sha256s are masked: read so,
    # whatever its clock said (seen: one dated before MASKED_CONFIG read as plain).
    behind = json.loads(first) | {"ts": "2026-12-07T09:00:00Z"}
    (older / "journal.jsonl").write_text(json.dumps(behind) + "\n")
    changed, plain = changed_since_opened(read_journal(older).events, settings)
    assert not plain and [c[0] for c in changed] == ["strategies.toml"], changed


async def test_exec_into_an_incident_says_its_hosts_changed_since_it_opened(
    fleet: Fleet, sshd_server
) -> None:
    """`exec --journal` into an open incident compared nothing with its opening: with
    app-1's workdir edited in inventory.toml since, it sent there, silently. It says what
    changed and sends nothing (exit 2), noted in the incident; --accept-config-change
    sends to the hosts as they are now, noted too."""
    async with flag_incident(fleet, "flip", "20261207-100000-beef") as conductor:
        journal = conductor.recorder.path
    inventory = tomllib.loads((fleet.config / "inventory.toml").read_text())
    [host] = inventory["systems"][0]["hosts"]
    was, now = host["workdir"], fleet.sandboxes["app-1"] / "moved"
    now.mkdir()
    chown_tree(now, sshd_server.account.uid, sshd_server.account.gid)
    host["workdir"] = str(now)
    (fleet.config / "inventory.toml").write_text(tomli_w.dumps(inventory))
    refused = fleet.cli("exec", "--systems", "app", "--journal", str(journal), "echo x > sent")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    # a value cut around where it changed, as any change is said
    changed = 'inventory.toml (systems.app.hosts.app-1.workdir: …{0}" → …{0}/moved")'
    changed = changed.format(was[-10:])
    assert refused.stderr == (
        f"error: {changed} changed since the incident opened: nothing sent;"
        " --accept-config-change sends to the hosts as the files are now\n"
    )
    assert not (Path(was) / "sent").exists() and not (now / "sent").exists()
    # Its dry run says so first, above where the host goes now.
    shown = fleet.cli("exec", "--systems", "app", "--journal", str(journal), "--dry-run", "true")
    said = f"{changed} changed since the incident opened: exec sends nothing without"
    assert folded(shown.stdout, "# ! ", "#   ") == [f"{said} --accept-config-change"], shown
    assert "--accept-config-change\n\n## Where each host goes" in shown.stdout, shown
    assert not too_wide(shown.stdout, ("#",)), shown.stdout
    argv = ["exec", "--systems", "app", "--journal", str(journal), "--accept-config-change"]
    sent = fleet.cli(*argv, "echo x > sent")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert sent.stdout.startswith(f"exec: ! {changed} changed since the incident opened;"), sent
    assert (now / "sent").exists()
    notes = [e.data.text for e in read_journal(journal).events if e.kind == Kind.NOTE_ADDED]
    assert [n.split(": changed since")[0] for n in notes] == [
        "exec refused, nothing sent",
        "exec with the files as they are now (--accept-config-change)",
    ], notes
    assert notes[0].endswith(f"({changed.split(' (')[1]}"), notes[0]
