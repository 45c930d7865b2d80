"""The example's procedure checks on a host that lacks what they assume (no systemd, no
pg_isready): each says so, in the record or as the step's error, rather than a blank or a
false state."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from console.model.loading import load_settings
from console.model.templates import render
from console.paths import example_config


def _run(template: str, values: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    """The rendered command, run by sh with a PATH of the few tools it needs besides
    the ones a bare host may lack (systemctl, pg_isready)."""
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    for tool in ("basename", "readlink", "date", "stat"):
        found = shutil.which(tool)
        assert found, tool
        if not (tools / tool).exists():
            (tools / tool).symlink_to(found)
    return subprocess.run(
        ["/bin/sh", "-c", render(template, values)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": str(tools), "HOME": str(tmp_path)},
        timeout=30,
        check=False,
    )


def test_the_assessment_says_what_a_bare_host_lacks(tmp_path: Path) -> None:
    """Seen on a host without systemd: the example recorded 'service=' (blank), and
    without pg_isready 'postgres=not-accepting', a state the server was not known to be
    in."""
    (tmp_path / "releases" / "1.1").mkdir(parents=True)
    (tmp_path / "current").symlink_to("releases/1.1")
    step = load_settings(example_config()).procedure.step("assess-state")
    assert step.command is not None
    web = _run(step.command, {"system": "web"}, tmp_path)
    assert web.returncode == 0, web.stderr
    lines = web.stdout.splitlines()
    assert lines[0] == "release=1.1" and lines[1].startswith("deployed_at=")
    assert lines[2] == "service=unknown (no systemd on this host)", web.stdout + web.stderr
    db = _run(step.command, {"system": "db"}, tmp_path)
    assert db.stdout == "postgres=unknown (no pg_isready on this host)\n", db.stdout + db.stderr
