"""A workdir is sent as written (`cd -- DIR`): a placeholder in it, which no command
fills in, is refused where it is written, by check-config as by every command, before
anything is sent (it passed, then every command failed on every host with exit 97)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console_process import console


def _init_with(tmp_path: Path, old: str, new: str) -> Path:
    target = tmp_path / "mine"
    assert console("init", str(target)).returncode == 0
    inventory = target / "inventory.toml"
    text = inventory.read_text()
    assert old in text
    inventory.write_text(text.replace(old, new, 1))
    return target


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('workdir = "/srv/storefront"', 'workdir = "/srv/{{host}}"', "systems[0].workdir"),
        (
            'name = "web-1"',
            'name = "web-1"\nworkdir = "~/{{system}}/app"',
            "systems[0].hosts[0].workdir",
        ),
    ],
)
def test_a_placeholder_in_a_workdir_is_refused_where_it_is_written(tmp_path, old, new, key):
    target = _init_with(tmp_path, old, new)
    lines = (target / "inventory.toml").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "workdir" in text and "{{" in text)
    value = new.split('workdir = "')[1].split('"')[0]
    said = (
        f"error: {target / 'inventory.toml'}:{line}: {key}: {value!r}: a workdir takes no placeholders"
        " (it is sent as written): give the directory itself, or each host its own workdir"
        " in [[systems.hosts]]"
    )
    checked = console("check-config", str(target))
    assert checked.returncode == 2 and said in checked.stderr.splitlines(), checked.stderr
    ran = console(
        "run", "--config", str(target), "--systems", "web", "--strategy", "version-rollback",
        "--trigger", "user-impact", "--reason", "x", "--dry-run",
    )  # fmt: skip
    assert ran.returncode == 2 and said in ran.stderr, ran.stderr
    assert "Traceback" not in ran.stderr


def test_a_workdir_without_placeholders_stays_as_written(tmp_path):
    target = _init_with(tmp_path, 'workdir = "/srv/storefront"', 'workdir = "/srv/{host}/x"')
    checked = console("check-config", str(target))
    assert checked.returncode == 0, checked.stderr
