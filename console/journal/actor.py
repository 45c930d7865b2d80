"""Who records: the OS user, and the SSH client address of the jump-host session."""

from __future__ import annotations

import getpass
import os

from console.model.events import Actor


def current_actor() -> Actor:
    """The OS user, and the SSH client address of the jump-host session if any."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = f"uid-{os.getuid()}"
    client = os.environ.get("SSH_CONNECTION", "").split(" ")[0] or None
    return Actor(user=user, client=client)
