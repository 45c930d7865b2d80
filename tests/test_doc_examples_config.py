"""The configuration examples of docs/*.md, copied as a new user copies them into the
configuration `init` wrote: check-config takes what the pages show, and refuses, naming
file:line and key, what they say it refuses. Seen: drills.md's scenario, pasted as
drills.toml, was refused ("drills.toml:1: default: no scenario is named 'web-release';
known: db-restore"), and its schedule named two scenarios no page defines."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.test_ansible_config import cli

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"^```toml\n(.*?)^```", re.S | re.M)


def toml_blocks(page: str) -> list[str]:
    return BLOCK.findall((DOCS / page).read_text())


@pytest.fixture
def config(tmp_path: Path) -> Path:
    directory = tmp_path / "config"
    assert cli("init", str(directory), tmp_path=tmp_path).returncode == 0
    return directory


def check(directory: Path, tmp_path: Path) -> tuple[int, list[str]]:
    """check-config's exit status and its error lines."""
    done = cli("check-config", str(directory), tmp_path=tmp_path)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, [line for line in done.stderr.splitlines() if line.startswith("error")]


def without_strategy(text: str, name: str) -> str:
    """strategies.toml without the strategy called `name` (a page's example replaces it)."""
    parts = re.split(r"(?m)^(?=\[\[strategies\]\]\s*$)", text)
    return "".join(p for p in parts if not re.search(rf'(?m)^name = "{re.escape(name)}"', p))


def test_drills_page_is_one_drills_toml(config, tmp_path):
    drills = [b for b in toml_blocks("drills.md") if "[[scenarios]]" in b or "[[schedule]]" in b]
    assert len(drills) == 3  # the scenario, the disaster-recovery exercise, the schedule
    (config / "drills.toml").write_text("\n".join(drills))
    assert check(config, tmp_path) == (0, [])


def test_a_drill_on_a_production_host_is_refused_as_the_page_says(config, tmp_path):
    first = toml_blocks("drills.md")[0].replace('systems = ["db"]                   # or', "#")
    first = first.replace('# hosts = ["db-1"]', 'hosts = ["shop-1"]', 1)
    (config / "drills.toml").write_text(first)
    production = next(b for b in toml_blocks("drills.md") if "production = true" in b)
    with (config / "inventory.toml").open("a") as inventory:
        inventory.write("\n" + production + '\n[[systems.hosts]]\nname = "shop-1"\n')
    line = 1 + first.split("\n").index('hosts = ["shop-1"]')
    assert check(config, tmp_path) == (
        2,
        [
            f"error: {config / 'drills.toml'}:{line}: scenarios[0].faults[0].hosts: host"
            " 'shop-1' of production system 'shop' (production = true in inventory.toml):"
            " a drill never sends a command there"
        ],
    )


def test_every_strategy_of_the_strategies_page_is_taken(config, tmp_path):
    original = (config / "strategies.toml").read_text()
    inventory = (config / "inventory.toml").read_text()
    taken = 0
    for block in toml_blocks("strategies.md"):
        strategies = tomllib.loads(block).get("strategies")
        if strategies is None:
            continue  # inventory.toml's side of an example
        if isinstance(strategies, dict):  # a [strategies.waves] table: init's version rollback's
            waves = re.search(r"\[strategies\.waves\]\n(?:[a-z_]+ = .*\n)+", original)
            assert waves
            text = original.replace(waves[0], block, 1)
            listed = inventory
        else:
            name = strategies[0]["name"]
            text = without_strategy(original, name) + "\n" + block
            listed = inventory.replace(
                'strategies = ["version-rollback"]', f'strategies = ["version-rollback", "{name}"]'
            )
        (config / "strategies.toml").write_text(text)
        (config / "inventory.toml").write_text(listed)
        assert check(config, tmp_path) == (0, []), block
        taken += 1
    assert taken >= 14


def test_a_wave_size_is_refused_as_the_page_says(config, tmp_path):
    path = config / "strategies.toml"
    text = path.read_text()
    path.write_text(text.replace('sizes = [1, "100%"]', 'sizes = [1, "x"]', 1))
    line = 1 + text.split("\n").index(next(x for x in text.split("\n") if x.startswith("sizes")))
    status, errors = check(config, tmp_path)
    assert status == 2 and len(errors) == 1
    assert errors[0].startswith(
        f'error: {path}:{line}: strategies[0].waves.sizes[1]: "x" is not a wave size'
    )


def test_the_notifications_example_is_taken(config, tmp_path):
    (block,) = toml_blocks("notifications.md")
    steps, channels = block.split("[[channels]]", 1)
    path = config / "procedure.toml"
    text = path.read_text()
    start = text.index('[[phases.steps]]\nid = "communicate"')
    end = text.index("[[phases]]", start)
    text = text[:start] + steps + "\n" + text[end:]
    path.write_text(text[: text.index("[[channels]]")] + "[[channels]]" + channels)
    assert check(config, tmp_path) == (0, [])
