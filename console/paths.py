"""Where configuration and journals live on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "rollback-console"
ENV_CONFIG = "ROLLBACK_CONSOLE_CONFIG"
ENV_STATE = "ROLLBACK_CONSOLE_STATE"


def config_candidates(explicit: str | None) -> list[Path]:
    """--config, then $ROLLBACK_CONSOLE_CONFIG, then ./config, then the user config dir."""
    if explicit:
        return [Path(explicit)]
    out = []
    if os.environ.get(ENV_CONFIG):
        return [Path(os.environ[ENV_CONFIG])]
    out.append(Path("config"))
    out.append(Path(platformdirs.user_config_dir(APP)))
    return out


def find_config(explicit: str | None) -> Path:
    """The first candidate that holds an inventory; else the first candidate."""
    candidates = config_candidates(explicit)
    for candidate in candidates:
        if (candidate / "inventory.toml").is_file():
            return candidate
    return candidates[0]


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
    return Path(os.environ.get(ENV_STATE) or platformdirs.user_state_dir(APP))


def incidents_dir(demo: bool = False, configured: str | None = None) -> Path:
    """Where incident journals live: console.toml's journal_dir, else the state dir."""
    if configured and not demo:
        return Path(configured).expanduser()
    return state_dir() / ("demo-incidents" if demo else "incidents")


def locks_dir(settings, demo: bool = False) -> Path:
    """Where system locks live: console.toml's lock_dir (share it on a shared jump host)."""
    configured = settings.console.lock_dir
    if configured and not demo:
        return Path(configured).expanduser()
    return state_dir() / ("demo-locks" if demo else "locks")
