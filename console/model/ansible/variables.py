"""Reading an inventory path, its group_vars/ and host_vars/, and each host's variables
merged in Ansible's order."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from console.model.ansible.formats import (
    _Loader,
    _vars,
    read_ini,
    read_json,
    read_yaml,
    yaml_problem,
)
from console.model.ansible.inventory import AnsibleInventory, Finding, Var, Where

YAML_SUFFIXES = (".yml", ".yaml")
VARS_SUFFIXES = ("", ".yml", ".yaml", ".json")
SKIPPED_SUFFIXES = (".retry", ".pyc", ".swp", ".bak", ".orig", ".cfg", ".md", ".txt")


class Inventory(AnsibleInventory):
    """An inventory read from a file or a directory of them, with the vars beside it."""

    def __init__(self) -> None:
        super().__init__()
        self.group_files: dict[str, dict[str, Var]] = {}
        self.host_files: dict[str, dict[str, Var]] = {}
        self.read: dict[str, str] = {}  # each file read: the sha256 of its bytes

    def digest(self) -> str:
        """The sha256 of what was read: the file's own (`sha256sum hosts.yml`) where one
        file was; else of each file's, by path."""
        if len(self.read) == 1:
            return next(iter(self.read.values()))
        lines = "".join(f"{path} {sha}\n" for path, sha in sorted(self.read.items()))
        return hashlib.sha256(lines.encode()).hexdigest()

    def host_variables(self, host: str) -> dict[str, Var]:
        """Inventory group vars (by depth, then ansible_group_priority, then name), then
        group_vars/ files in that order, then the host's own, then host_vars/."""
        order = self._sorted_groups(host)
        merged: dict[str, Var] = {}
        for name in order:
            merged.update(self.groups[name].vars)
        for name in order:
            merged.update(self.group_files.get(name, {}))
        merged.update(self.host_vars.get(host, {}))
        merged.update(self.host_files.get(host, {}))
        merged.pop("ansible_group_priority", None)  # a group's setting, not a variable
        return merged

    def _sorted_groups(self, host: str) -> list[str]:
        depth = self._depths()

        def priority(name: str) -> int:
            var = self.groups[name].vars.get("ansible_group_priority")
            value = var.value if var else 1
            return value if isinstance(value, int) else 1

        names = ["all", *self.groups_of(host)]
        return sorted(names, key=lambda n: (depth.get(n, 0), priority(n), n))

    def _depths(self) -> dict[str, int]:
        """Each group's longest distance from `all`, as Ansible counts depth."""
        depth = {"all": 0}
        frontier = ["all"]
        for _ in range(len(self.groups) + 1):
            following = []
            for name in frontier:
                for child in self.groups[name].children:
                    if depth.get(child, -1) < depth[name] + 1:
                        depth[child] = depth[name] + 1
                        following.append(child)
            if not following:
                break
            frontier = following
        return depth


def fingerprint(path: Path) -> str:
    """The sha256 of every file an inventory at `path` may be read from (its files, and
    all under group_vars/ and host_vars/ beside it), by path: the same while none of them
    changed, cheaply (no parse). Taken before a read, a file changed meanwhile differs."""
    base = path if path.is_dir() else path.parent
    found = [*(_inventory_files(path) if path.is_dir() else [path])]
    for name in ("group_vars", "host_vars"):
        found += sorted(p for p in (base / name).rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for file in found:
        try:
            digest.update(f"{file} {hashlib.sha256(file.read_bytes()).hexdigest()}\n".encode())
        except OSError as exc:
            digest.update(f"{file} {exc}\n".encode())
    return digest.hexdigest()


def _inventory_files(path: Path) -> list[Path]:
    """A directory inventory's files, as Ansible reads them."""
    return sorted(
        p
        for p in path.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.suffix not in SKIPPED_SUFFIXES
        and not p.name.endswith("~")
    )


def read_inventory(path: Path) -> Inventory:
    """An inventory file (INI, YAML or JSON) or a directory of them; findings say what
    could not be read, with file and line."""
    inventory = Inventory()
    if path.is_dir():
        files, base = _inventory_files(path), path
    else:
        files, base = [path], path.parent
    if not path.exists():
        inventory.findings.append(Finding(Where(str(path)), "no such inventory file"))
        return inventory
    for file in files:
        _read_file(file, inventory)
    inventory.finish()
    _read_vars_dirs(base, inventory)
    return inventory


def _text(path: Path, inventory: Inventory) -> str:
    """A file's text, as `read_text` gives it; its bytes' digest kept (`Inventory.read`)."""
    data = path.read_bytes()
    inventory.read[str(path)] = hashlib.sha256(data).hexdigest()
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _read_file(file: Path, inventory: Inventory) -> None:
    try:
        text = _text(file, inventory)
    except (OSError, UnicodeDecodeError) as exc:
        inventory.findings.append(Finding(Where(str(file)), f"cannot be read: {exc}"))
        return
    if file.stat().st_mode & 0o111 and text.startswith("#!"):
        inventory.findings.append(
            Finding(
                Where(str(file), 1),
                "is an inventory script: the console does not run it; save its output"
                " (`ansible-inventory -i THIS --list --output static.json`) and name that",
            )
        )
        return
    if file.suffix == ".json":
        read_json(text, str(file), inventory)
    elif file.suffix in YAML_SUFFIXES or text.lstrip().startswith(("---", "all:")):
        read_yaml(text, str(file), inventory)
    else:
        read_ini(text, str(file), inventory)


def _read_vars_dirs(base: Path, inventory: Inventory) -> None:
    for dirname, store, names in (
        ("group_vars", inventory.group_files, list(inventory.groups)),
        ("host_vars", inventory.host_files, list(inventory.host_where)),
    ):
        directory = base / dirname
        if not directory.is_dir():
            continue
        for name in names:
            for suffix in VARS_SUFFIXES:
                candidate = directory / f"{name}{suffix}"
                if candidate.is_file():
                    store.setdefault(name, {}).update(_vars_file(candidate, inventory))
            folder = directory / name
            if folder.is_dir():
                for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                    store.setdefault(name, {}).update(_vars_file(file, inventory))


def _vars_file(path: Path, inventory: Inventory) -> dict[str, Var]:
    try:
        loader = _Loader(_text(path, inventory))
        try:
            node = loader.get_single_node()
            return _vars(loader, node, str(path), inventory) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        line, said = yaml_problem(exc)
        inventory.findings.append(Finding(Where(str(path), line), f"cannot be read: {said}"))
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        inventory.findings.append(Finding(Where(str(path)), f"cannot be read: {exc}"))
        return {}
