"""drills.toml read again while the console runs: a drill fixed there is the one the
drills screen lists, the home screen's schedule counts and Enter runs, once the
configuration loads with it. When it does not, or another file changed too (the console
reads those at start alone), the screens say so plainly, name the restart, and no drill
runs from the list read before: it is no longer what the file says."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from console.model.files import FILES
from console.model.loading import load_settings, read_file, read_files
from console.model.problems import ConfigError
from console.model.visible import visible

if TYPE_CHECKING:
    from console.model.ansible.load import Seen
    from console.model.settings import Settings


class DrillsFile:
    """drills.toml as the console uses it, against the file as it is now."""

    def __init__(
        self,
        directory: Path | None,
        read: dict[str, bytes | str] | None = None,
        ansible: list[Seen] | None = None,
    ):
        """`read`: the files the settings in use were read from (`Settings.files_read`);
        read now when not given; `ansible`: what their Ansible inventories gave then. Read as the app was built, they were not what the console
        runs when a file changed after its settings were read: the drift a confirmation
        names (console/engine/config_drift.py) said the edit's text was what it read then."""
        self.directory = directory
        if read is None:
            read = read_files(directory) if directory is not None else {}
        self.at_start = read
        self.ansible_at_start = ansible or []
        self.in_use = self.at_start.get("drills")  # the drills.toml the settings were read with
        self.looked = self.in_use  # as it was at the last look
        self.problem = ""  # why drills.toml as it is now is not used; "": it is
        self._lock = threading.Lock()

    def look(self) -> Settings | None:
        """The configuration read again, when drills.toml changed since the last look, no
        other file changed since the console started, and it loads; else None (and
        `problem` says why the file is not used, where it is not). Safe in a thread."""
        if self.directory is None:
            return None
        with self._lock:
            drills = read_file(self.directory, "drills")  # alone, every look
            if drills == self.looked:
                return None
            self.looked = drills
            if drills == self.in_use:  # put back as the console has it
                self.problem = ""
                return None
            # The others once, and the settings loaded from these very bytes: a file
            # changed between a comparison and a second read would slip in unseen.
            files = {p: drills if p == "drills" else read_file(self.directory, p) for p in FILES}
            others = [FILES[p] for p, text in files.items() if text != self.at_start.get(p)]
            if others != [FILES["drills"]]:
                also = ", ".join(n for n in others if n != FILES["drills"])
                self.problem = (
                    f"drills.toml changed since the console started, and {also} too, which it"
                    " reads at start alone: restart the console to run drills as the files"
                    " have them now"
                )
                return None
            try:
                settings = load_settings(self.directory, files=files)
            except ConfigError as exc:
                first = visible(str(exc.problems[0]), one_line=True)
                more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
                self.problem = (
                    f"drills.toml changed since the console read it, and cannot be used as it"
                    f" is: {first}{more}: fix it (check-config says each problem), or restart"
                    " the console"
                )
                return None
            if (edited := _edited(self.ansible_at_start, settings)) is not None:
                self.problem = (
                    f"drills.toml changed since the console started, and {edited} too,"
                    " which it reads at start alone: restart the console to run drills as"
                    " the files have them now"
                )
                return None
            self.in_use, self.problem = drills, ""
            return settings


def _edited(read: list[Seen], settings: Settings) -> str | None:
    """The Ansible inventories whose hosts `settings` read otherwise than `read`, named;
    None when they read the same (the settings would run on other hosts)."""
    now = {seen.system: seen.hosts for seen in settings.ansible_read}
    names = [seen.inventory for seen in read if now.get(seen.system) != seen.hosts]
    return ", ".join(dict.fromkeys(names)) or None
