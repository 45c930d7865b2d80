"""README's install on a jump host, without root, runs as written for a new account.
Walked as a first-time responder (helper-180): in a fresh account, the block's last line
failed, `ln: failed to create symbolic link '/home/rbh180/.local/bin/': No such file or
directory` (the venv makes ~/.local/share, nothing makes ~/.local/bin), and
`rollback-console` was then no command at all. The block is run here as README gives it, in
a fresh home."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def readme_block(after: str) -> str:
    """The first ```sh block of README.md after the line that holds `after`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    tail = text[text.index(after) :]
    found = re.search(r"```sh\n(.*?)```", tail, re.S)
    assert found, after
    return found[1]


def test_the_jump_host_install_runs_as_written_in_a_fresh_home(tmp_path: Path) -> None:
    """Every line but the pip install (a minute or more on a loaded machine, and an index
    to reach): the venv made and the program linked where README says, in a fresh home."""
    block = readme_block("On a jump host, without root")
    lines = block.splitlines()
    assert any("pip install ./rollback-console" in line for line in lines), block
    shell = "\n".join(line for line in lines if "pip install" not in line)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["HOME"] = str(home)
    ran = subprocess.run(
        ["sh", "-ec", shell], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
    )
    assert ran.returncode == 0, (shell, ran.stdout, ran.stderr)
    link = home / ".local" / "bin" / "rollback-console"
    venv = home / ".local" / "share" / "rollback-console"
    assert link.is_symlink(), list(home.rglob("*"))[:20]
    assert Path(os.readlink(link)) == venv / "bin" / "rollback-console"
    assert (venv / "bin" / "pip").exists()  # where the pip line installs it
