"""The CPU of a loopback fleet's hosts: its sshd processes in a cgroup of their own, so
that every session, shell and fork they start is counted (to the nanosecond) and nothing
else on the machine is, whatever else runs beside the benchmark. Needs root and a cgroup
v1 `cpuacct` or v2 hierarchy; bench/hostcpu.py and bench/fanout.py use it."""

from __future__ import annotations

import os
import time
from pathlib import Path


class Cgroup:
    """A cgroup counting the CPU of the processes put in it and of all they start."""

    def __init__(self, name: str):
        v2 = Path("/sys/fs/cgroup/unified")
        if not v2.is_dir():
            v2 = Path("/sys/fs/cgroup")
        v1 = Path("/sys/fs/cgroup/cpuacct")
        if v1.is_dir():
            self.path, self.v2 = v1 / name, False
        elif (v2 / "cgroup.controllers").is_file():
            self.path, self.v2 = v2 / name, True
        else:
            raise OSError("no cgroup cpuacct (v1) or cgroup v2 mounted")
        self.path.mkdir(exist_ok=True)

    @classmethod
    def available(cls) -> bool:
        """Whether this process may make one (root, a hierarchy mounted)."""
        cpuacct = Path("/sys/fs/cgroup/cpuacct").is_dir()
        v2 = any(
            Path(p, "cgroup.controllers").is_file()
            for p in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup")
        )
        return os.geteuid() == 0 and (cpuacct or v2)

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def seconds(self) -> float:
        if self.v2:
            usage = (self.path / "cpu.stat").read_text().split("\n", 1)[0].split()[1]
            return int(usage) / 1e6
        return int((self.path / "cpuacct.usage").read_text()) / 1e9

    def remove(self) -> None:
        for _ in range(100):  # bounded: the fleet's processes are gone or going
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def forks() -> int:
    """Processes forked on the whole machine since boot."""
    with open("/proc/stat") as stat:
        return next(int(line.split()[1]) for line in stat if line.startswith("processes"))
