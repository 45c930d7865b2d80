"""What the console writes whole (an export's `-o`, `--log`, `import-ansible -o`, `schema
--write`) goes to a file, never into nor in place of a device or a pipe: as root, `export
-o /dev/stdout` replaced that link in /dev with the document (every later `> /dev/stdout`
on the jump host wrote that file), `-o /dev/null` the device itself; `import-ansible -o
/dev/null --force` and `--log /dev/null` made it 0600, unwritable for every other account;
a FIFO was replaced, or held the command for ever with nobody reading it. A node made here
stands for /dev/null (the same device, 1:3), so that no test touches the machine's own."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.test_exports import write_fixed_journal
from tests.test_planted_links import _console  # its FIFO held the command: 60 s timeout

REFUSED = "cannot write: not a regular file (a device or a pipe): name a file"


def _nodes(tmp_path: Path) -> list[Path]:
    """A FIFO nobody reads, and as root a device node of /dev/null's (1:3), each 0666;
    /dev/stdout's kind, a link to one, beside them."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o666)
    nodes = [fifo]
    if os.geteuid() == 0:
        os.mknod(tmp_path / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        nodes.append(tmp_path / "null")
    for node in list(nodes):
        node.chmod(0o666)
        (tmp_path / f"{node.name}-link").symlink_to(node)
        nodes.append(tmp_path / f"{node.name}-link")
    return nodes


def _untouched(node: Path) -> None:
    found = os.stat(node)
    assert stat.S_ISFIFO(found.st_mode) or stat.S_ISCHR(found.st_mode), oct(found.st_mode)
    assert stat.S_IMODE(found.st_mode) == 0o666, oct(found.st_mode)


def test_export_never_puts_its_document_in_place_of_a_device_or_a_pipe(tmp_path):
    journal = write_fixed_journal(tmp_path / "incident")
    for node in _nodes(tmp_path):
        done = _console(tmp_path, "export", str(journal), "-o", str(node), "--mode", "0644")
        assert (done.returncode, done.stdout) == (2, ""), (node, done.stderr)
        assert done.stderr == f"error: {node}: {REFUSED} (-o - writes to stdout)\n"
        assert node.is_symlink() == node.name.endswith("-link")
        _untouched(node)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _node(path: Path, kind: str) -> Path:
    if kind == "fifo":
        os.mkfifo(path, 0o666)
    else:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    path.chmod(0o666)
    return path


KINDS = [
    "fifo",
    pytest.param("device", marks=pytest.mark.skipif(os.geteuid() != 0, reason="mknod")),
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_written_whole_is_never_a_device_or_a_pipe(tmp_path, kind):
    inventory = tmp_path / "hosts.ini"
    inventory.write_text("[web]\nweb-1 ansible_host=10.0.0.1\n")
    node = _node(tmp_path / "node", kind)
    done = _console(tmp_path, "import-ansible", str(inventory), "-o", str(node), "--force")
    assert (done.returncode, done.stderr) == (2, f"error: {node}: {REFUSED}\n"), done.stdout
    _untouched(node)
    done = _console(tmp_path, "--log", str(node), "schema", "--file", "console.toml")
    assert (done.returncode, done.stderr) == (2, f"error: --log {node}: {REFUSED}\n")
    _untouched(node)
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    node = _node(schemas / "inventory.schema.json", kind)
    done = _console(tmp_path, "schema", "--write", str(schemas))
    assert (done.returncode, done.stderr) == (2, f"error: {node}: {REFUSED}\n"), done.stdout
    _untouched(node)


async def test_the_export_screen_never_puts_its_document_in_place_of_one(tmp_path, monkeypatch):
    """The console's export screen (w, at 80x24) renamed its document into the path typed
    as `export -o` did: a FIFO there was replaced, its reader left waiting. It says why in
    its status line, as the command line does, and records no export."""
    from textual.widgets import Label

    from tests.test_export_screen import SIZE, WAIT, _export_screen
    from tests.test_ui_support import populated_app, until

    app = populated_app(tmp_path, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _export_screen(pilot)
        status = screen.query_one("#export-status", Label)

        def said() -> str:
            return "".join(str(status.render()).split())  # the path may wrap

        for node in [n for n in _nodes(tmp_path) if not n.is_symlink()]:
            screen.query_one("#export-path").value = str(node)
            screen.action_write()
            refused = f"✘ Could not write {node}: {REFUSED[len('cannot write: ') :]}"
            ended = ("".join(f"✘ Could not write {node}:".split()), "✔Written")
            await until(pilot, lambda: said().startswith(ended), WAIT)  # noqa: B023
            assert said() == "".join(refused.split()), str(status.render())
            _untouched(node)
        assert not screen.incident.state.exports
