"""The subparsers of the commands that write or read a configuration rather than an
incident: init, import-ansible, check-config, schema, completion. Imports nothing heavy,
as the parser."""

from __future__ import annotations

from collections.abc import Callable

from console.cli import exit_codes
from console.cli.options import PROG, Command

SHELLS = ("bash", "zsh", "fish")


def _init(command: Command) -> None:
    init = command(
        "init",
        "write a commented starter configuration into DIR",
        "Copy the annotated example configuration into DIR (never over existing files)."
        " Without DIR: where the console reads its configuration from, --config DIR or"
        " $ROLLBACK_CONSOLE_CONFIG, else the user config dir (found with no option given).",
        f"{PROG} init ./config",
        f"{PROG} init            # ~/.config/{PROG}",
    )
    init.add_argument(
        "directory",
        nargs="?",
        metavar="DIR",
        help="where to write it (default: --config, $ROLLBACK_CONSOLE_CONFIG, else the user"
        " config dir)",
    )


def _ansible(command: Command) -> None:
    ansible = command(
        "import-ansible",
        "convert an Ansible inventory into inventory.toml systems, once",
        "Convert an Ansible inventory (INI, YAML or JSON, or a directory of them) into"
        " inventory.toml systems: each group with hosts becomes a system. To keep the"
        " Ansible inventory as the truth instead, read it in place from inventory.toml.",
        f"{PROG} import-ansible /etc/ansible/hosts",
        f"{PROG} import-ansible inventories/prod --group web --group db \\\n      -o systems.toml",
        codes=exit_codes.IMPORT_ANSIBLE,
    )
    ansible.add_argument("inventory", metavar="INVENTORY", help="INI, YAML or JSON, or a directory")
    ansible.add_argument(
        "-o", "--output", metavar="FILE", help="write here (default, or '-': stdout)"
    )
    ansible.add_argument(
        "--group",
        action="append",
        default=[],
        help="a group to make a system of (repeatable; default: every group with hosts)",
    )
    ansible.add_argument("--force", action="store_true", help="overwrite FILE if it exists")


def _check(command: Command) -> None:
    check = command(
        "check-config",
        "validate a configuration directory",
        "Validate every file of a configuration; each problem is one line naming the file,"
        " the line and the key.",
        f"{PROG} check-config ./config",
        codes=exit_codes.CHECK_CONFIG,
    )
    check.add_argument(
        "directory", nargs="?", metavar="DIR", help="the directory (default: as for --config)"
    )


def _schema(command: Command) -> None:
    schema = command(
        "schema",
        "the JSON Schema of the configuration, for editors",
        "Print the JSON Schema of the whole configuration, or of one of its files; generated"
        " from the models the loader validates with. --write puts one schema per file in DIR"
        " for taplo or Even Better TOML.",
        f"{PROG} schema > rollback-console.schema.json",
        f"{PROG} schema --file procedure.toml",
        f"{PROG} schema --write ./config/.schema",
    )
    which = schema.add_mutually_exclusive_group()
    which.add_argument("--file", metavar="NAME", help="one file's schema, e.g. inventory.toml")
    which.add_argument("--write", metavar="DIR", help="write NAME.schema.json per file into DIR")


def _completion(command: Command) -> None:
    completion = command(
        "completion",
        "shell completion script",
        "Print the completion script for SHELL; system, host and strategy names are read"
        " from the configuration as you type.",
        f"{PROG} completion bash | head   # see it; then install it:",
        "mkdir -p ~/.local/share/bash-completion/completions &&\n"
        f"      {PROG} completion bash \\\n"
        f"      > ~/.local/share/bash-completion/completions/{PROG}",
        "mkdir -p ~/.zfunc &&\n"
        f"      {PROG} completion zsh \\\n"
        f"      > ~/.zfunc/_{PROG}  # with fpath+=(~/.zfunc) before compinit",
        "mkdir -p ~/.config/fish/completions &&\n"
        f"      {PROG} completion fish \\\n"
        f"      > ~/.config/fish/completions/{PROG}.fish",
    )
    completion.add_argument("shell", choices=SHELLS, metavar="SHELL", help=", ".join(SHELLS))


# In the order --help lists them, after the incident's commands.
CONFIGURATION_COMMANDS: dict[str, Callable[[Command], None]] = {
    "init": _init,
    "import-ansible": _ansible,
    "check-config": _check,
    "schema": _schema,
    "completion": _completion,
}
