"""asyncssh's X.509 support is not loaded (console/__init__.py): its `cryptography.x509`
import cost every command ~120 M instructions at its start, for a support that ended
unavailable anyway without pyOpenSSL, and that no OpenSSH host uses (issue 18)."""

from __future__ import annotations

import subprocess
import sys


def test_the_engine_and_the_demo_fleet_load_asyncssh_without_x509():
    script = (
        "import sys\n"
        "import console.engine.ssh, console.demo.ssh_server\n"
        "import asyncssh.public_key\n"
        "print('cryptography.x509' in sys.modules, asyncssh.public_key._x509_available)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "False"]
