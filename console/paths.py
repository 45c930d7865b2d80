"""Where configuration and journals live on this machine."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import NamedTuple

APP = "rollback-console"
ENV_CONFIG = "ROLLBACK_CONSOLE_CONFIG"
ENV_STATE = "ROLLBACK_CONSOLE_STATE"


class Place(NamedTuple):
    """One place a configuration may be: how it is given, and the directory if any."""

    label: str
    path: Path | None

    @property
    def status(self) -> str:
        if self.path is None:
            return "not given" if self.label.startswith("--") else "not set"
        if not self.path.exists():
            return f"{self.path}: does not exist"
        if not (self.path / "inventory.toml").is_file():
            return f"{self.path}: no inventory.toml"
        return f"{self.path}: found"


def config_places(explicit: str | None) -> list[Place]:
    """--config, then $ROLLBACK_CONSOLE_CONFIG, then ./config, then the user config dir."""
    return [*_given_places(explicit), *_default_places()]


def _given_places(explicit: str | None) -> list[Place]:
    env = os.environ.get(ENV_CONFIG)
    return [
        Place("--config DIR", Path(explicit) if explicit else None),
        Place(f"${ENV_CONFIG}", Path(env) if env else None),
    ]


def _default_places() -> list[Place]:
    return [Place("./config", Path("config")), Place("user config dir", _user_dir("config"))]


def _user_dir(kind: str) -> Path:
    """platformdirs' user config or state directory. Imported only when asked: with
    --config and $ROLLBACK_CONSOLE_STATE given, exec never needs it (~9 M instructions,
    issue 18)."""
    import platformdirs

    found = (
        platformdirs.user_config_dir(APP) if kind == "config" else platformdirs.user_state_dir(APP)
    )
    return Path(found)


def user_config_dir() -> Path:
    """The configuration every shell of this account finds with no option given."""
    return _user_dir("config")


def init_target(explicit: str | None) -> Path:
    """Where `init` with no DIR writes: the place the console reads first that is given
    (--config, the environment variable), else the user config dir, which every shell of
    this account finds with no option (not ./config: that is wherever the shell stands)."""
    for place in _given_places(explicit):
        if place.path is not None:
            return place.path
    return user_config_dir()


def find_config(explicit: str | None) -> Path | None:
    """--config or the environment variable as given (the loader says what is wrong
    with it), else the first default place that holds an inventory, else None."""
    for place in _given_places(explicit):
        if place.path is not None:
            return place.path
    for place in _default_places():
        if place.path and (place.path / "inventory.toml").is_file():
            if place.label == HERE:
                _refuse_others(place.path)
            return place.path
    return None


HERE = "./config"


class ConfigNotYours(Exception):
    """./config, found only because the shell stands where it is, that another account
    could have written: the commands it would send are not this user's to trust."""


def _refuse_others(directory: Path) -> None:
    """Refuse ./config when another account could have written it or a file in it (a
    directory others can write, /tmp, a shared checkout): its commands would go to this
    user's hosts with this user's keys, its command channels run here as this user."""
    for path in (directory, *sorted(directory.glob("*.toml"))):
        if why := not_yours(path):
            raise ConfigNotYours(
                f"{HERE} here ({path.absolute()}) is not read: {why}, so another account could"
                " have written the commands it sends to your hosts; run from a directory of"
                " your own, or name it with --config DIR if you trust it"
            )


def not_yours(path: Path) -> str | None:
    """Why ssh would refuse `path` as a file of the user's (readconf.c's CHECKPERM, with
    Debian's user-group-modes): owned by neither root nor this user, writable by others,
    or writable by a group with a member besides this user."""
    try:
        st = os.stat(path)
    except OSError:
        return None  # unreadable: the parse says so
    mode = f"mode {st.st_mode & 0o777:04o}"
    if st.st_uid not in (0, os.getuid()):
        return f"owned by uid {st.st_uid}{_named(st.st_uid)}, neither you nor root"
    if st.st_mode & 0o002:
        return f"writable by others ({mode}: chmod go-w)"
    if st.st_mode & 0o020 and not _own_group(st.st_gid, st.st_uid):
        return f"writable by group {st.st_gid}, not yours alone ({mode}: chmod g-w)"
    return None


def _named(uid: int) -> str:
    import pwd

    try:
        return f" ({pwd.getpwuid(uid).pw_name})"
    except KeyError:
        return ""


@functools.lru_cache(maxsize=16)
def _own_group(gid: int, owner: int) -> bool:
    """Whether this user is the group's one member (primary or supplementary), as
    Debian's ssh lets a user's own group write their files. Once a process: every host's
    resolution reads the file again, and the accounts database may be a directory's."""
    import grp
    import pwd

    try:
        members = grp.getgrgid(gid).gr_mem
        owner_name = pwd.getpwuid(owner).pw_name
    except KeyError:
        return False
    primary = [p.pw_uid for p in pwd.getpwall() if p.pw_gid == gid]
    if any(uid != os.getuid() for uid in primary) or members[1:]:
        return False
    if members and members[0] != owner_name:
        return False
    return bool(primary or members)


def demo_config() -> Path:
    """The demo fleet's configuration: inside the installed package, or the checkout's."""
    packaged = Path(__file__).parent / "demo" / "config"
    if (packaged / "inventory.toml").is_file():
        return packaged
    return Path(__file__).parent.parent / "config" / "demo"


def example_config() -> Path:
    """The annotated starter configuration `init` copies."""
    packaged = Path(__file__).parent / "example_config"
    if (packaged / "inventory.toml").is_file():
        return packaged
    return Path(__file__).parent.parent / "config" / "example"


def state_dir() -> Path:
    """Journals live here, one directory per incident."""
    env = os.environ.get(ENV_STATE)
    return Path(env) if env else _user_dir("state")


def config_cache() -> Path:
    """The validated-configuration cache (console/model/config_cache.py): in the state dir,
    which only this user may write."""
    return state_dir() / "validated-config.json"


def incidents_dir(demo: bool = False, configured: str | None = None) -> Path:
    """Where incident journals live: console.toml's journal_dir, else the state dir."""
    if configured and not demo:
        return Path(configured).expanduser()
    return state_dir() / ("demo-incidents" if demo else "incidents")


def lock_file(directory: Path, system: str) -> Path:
    """The lock file of `system` in a lock directory."""
    return directory / f"{system}.lock"


def locks_dir(settings, demo: bool = False) -> Path:
    """Where system locks live: console.toml's lock_dir (share it on a shared jump host)."""
    return locks_dir_of(settings.console.lock_dir, demo)


def locks_dir_of(configured: str | None, demo: bool = False) -> Path:
    """Where system locks live for console.toml's lock_dir as given (None: not given)."""
    if configured and not demo:
        return Path(configured).expanduser()
    return state_dir() / ("demo-locks" if demo else "locks")
