"""An ssh_config option newer than the console's table of OpenSSH's options (a jump host
with a newer OpenSSH than the one the table was made from) is asked of this machine's own
ssh: one it reads is said as ignored, never refused; a typo it refuses is refused, as
before. Refusing an option the user's own ssh takes would stop every command mid-incident
over a line their ssh is happy with. The newer option is played by one ssh 9.2 reads,
taken out of the table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from console.engine import ssh_config, ssh_options
from console.engine.destination import Resolver, RouteError
from console.model.inventory import SshDefaults

pytestmark = pytest.mark.skipif(not shutil.which("ssh"), reason="OpenSSH's ssh is not here")


@pytest.fixture
def table_without_compression(monkeypatch):
    """The table as an older console's: `Compression` is not in it (this ssh reads it)."""
    ssh_options.ssh_reads.cache_clear()
    known = ssh_options.KNOWN - {"compression"}
    monkeypatch.setattr(ssh_options, "KNOWN", known)
    monkeypatch.setattr(ssh_config, "KNOWN", known)
    monkeypatch.setattr(ssh_options, "QUIET", ssh_options.QUIET - {"compression"})
    yield
    ssh_options.ssh_reads.cache_clear()


def _resolve(tmp_path: Path, text: str):
    config = tmp_path / "config"
    config.write_text(text)
    return Resolver(SshDefaults(config_files=[str(config)])).resolve("app-1"), config


def test_an_option_this_ssh_reads_is_said_as_ignored(tmp_path, table_without_compression):
    dest, config = _resolve(tmp_path, "Host app-1\n  HostName 127.0.0.9\n  Compression yes\n")
    assert dest.host == "127.0.0.9"
    assert f"{config}:3: compression ignored: an option this console does not know" in dest.notes


def test_a_typo_this_ssh_refuses_is_still_refused(tmp_path, table_without_compression):
    with pytest.raises(RouteError, match="line 3: Bad configuration option: compresion"):
        _resolve(tmp_path, "Host app-2\n  HostName 127.0.0.9\n  Compresion yes\n")
