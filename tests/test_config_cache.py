"""The validated-configuration cache (console/model/config_cache.py, issue 18): a hit is
the configuration a miss validates; every input of validation is in its key (each one
changed is a miss, a rewrite); a file it cannot trust is a miss; an Ansible-backed
configuration is never kept; check-config never reads it. A miss rewrites the file (a
new inode: written aside, then renamed), a hit leaves it as it is."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.fleet import write_console_config
from bench.readme_example import point_example
from console.model import config_cache
from console.model.loading import key_of, load_inventory, load_settings, read_files
from console.model.problems import ConfigError
from console.paths import demo_config, example_config
from tests.sshd import make_client_key
from tests.test_ansible_config import CORPUS, cli, config_with


def _bench(directory: Path) -> Path:
    """bench/fleet.py's configuration (what the fan-out benchmark runs exec with)."""
    fleet = SimpleNamespace(
        user="rbtest",
        client_key=directory.parent / "id",
        known_hosts=directory.parent / "known_hosts",
        hosts=lambda n: [(f"h{i:03}", "127.0.0.1", 24000 + i) for i in range(n)],
    )
    return write_console_config(
        directory, fleet, 50, command_steps=1, max_handshakes=50, max_commands=64
    )  # type: ignore[arg-type]


def _every_channel() -> str:
    """config/example's `[[channels]]`, the commented ones taken in as a README user does:
    one of each kind (Slack, PagerDuty, a webhook with headers and a body, a command)."""
    text = (example_config() / "procedure.toml").read_text()
    channels = text[text.index("[[channels]]") :]
    return "\n".join(line.removeprefix("# ").removeprefix("#") for line in channels.splitlines())


def _cache(tmp_path: Path) -> Path:
    """The cache's file in a state dir as the first journal makes it (0700)."""
    (tmp_path / "state").mkdir(mode=0o700)
    return tmp_path / "state" / "validated-config.json"


def _inode(cache: Path) -> int | None:
    return cache.stat().st_ino if cache.exists() else None


@pytest.mark.parametrize("shipped", ["example", "demo", "bench", "every-channel"])
def test_a_hit_is_the_configuration_a_miss_validated(tmp_path, shipped):
    directory = tmp_path / "config"
    if shipped == "bench":
        _bench(directory)
    else:
        shutil.copytree(demo_config() if shipped == "demo" else example_config(), directory)
    if shipped == "every-channel":
        procedure = directory / "procedure.toml"
        text = procedure.read_text()
        procedure.write_text(text[: text.index("[[channels]]")] + _every_channel())
    load_settings(directory, cache=tmp_path / "none" / "validated-config.json")
    assert not (tmp_path / "none").exists()  # no state dir is made for a cache alone
    cache = _cache(tmp_path)
    missed = load_settings(directory, cache=cache)
    written = _inode(cache)
    assert written is not None and (cache.stat().st_mode & 0o777) == 0o600
    hit = load_settings(directory, cache=cache)
    assert _inode(cache) == written  # not validated again, nor written
    assert hit == missed == load_settings(directory) and hit is not missed
    assert hit.directory == directory and hit.warnings == missed.warnings
    assert hit.inventory.host(missed.inventory.host_names[-1]) == missed.inventory.host(
        missed.inventory.host_names[-1]
    )


def test_each_input_of_validation_changed_is_a_miss(tmp_path, monkeypatch):
    directory = _bench(tmp_path / "config")
    (directory / "console.toml").write_text('[redact]\nvalues = ["hunter2"]\n')
    cache = _cache(tmp_path)
    load_settings(directory, cache=cache)

    def missed() -> bool:
        before = _inode(cache)
        load_settings(directory, cache=cache)
        return _inode(cache) != before

    assert not missed()
    for name in ("inventory.toml", "procedure.toml", "strategies.toml", "console.toml"):
        with (directory / name).open("a") as file:
            file.write("\n")  # one byte
        assert missed(), name
    (directory / "triggers.toml").write_text("[soak]\nsamples = 3\n")  # a file added
    assert missed()
    (directory / "console.toml").unlink()  # a file removed
    assert missed()
    (directory / "handbook.toml").write_text("")  # a TOML file the loader does not read
    assert missed()
    (directory / "consol.toml").write_text("")  # misnamed: refused, not taken from the cache
    with pytest.raises(ConfigError, match=r"consol\.toml: is not read"):
        load_settings(directory, cache=cache)
    (directory / "consol.toml").unlink()
    directory = directory.rename(tmp_path / "moved")  # journal_dir and lock_dir follow it
    assert missed()
    sources = tmp_path / "model"
    shutil.copytree(Path(config_cache.__file__).parent, sources)
    monkeypatch.setattr(config_cache, "_MODEL_SOURCES", sources)
    assert missed()  # the same code in other files
    assert not missed()
    with (sources / "procedure.py").open("a") as file:
        file.write("\n")  # the code of a check
    assert missed()
    check, before = sources / "inventory.py", (sources / "inventory.py").stat()
    check.write_text(check.read_text().replace("ge=1", "ge=2", 1))  # same size,
    os.utime(check, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime
    assert missed()
    monkeypatch.setattr(config_cache, "__version__", "0.0.0-other")
    assert missed()
    monkeypatch.setattr(sys, "version", sys.version + " other")
    assert missed()
    for package in ("pydantic", "pydantic_core"):
        installed = tmp_path / package
        installed.mkdir()
        (installed / "__init__.py").write_text("")
        (installed / "version.py").write_text("VERSION = '0.0'\n")
        spec = ModuleSpec(package, None, origin=str(installed / "__init__.py"))
        real = config_cache.find_spec
        monkeypatch.setattr(
            config_cache,
            "find_spec",
            lambda name, p=package, s=spec, r=real: s if name == p else r(name),
        )
        assert missed(), package
    assert load_settings(directory, cache=cache) == load_settings(directory)


def test_a_file_the_cache_cannot_trust_is_a_miss_and_is_rewritten(tmp_path):
    directory = _bench(tmp_path / "config")
    cache = _cache(tmp_path)
    load_settings(directory, cache=cache)
    kept = cache.read_bytes()

    def rewritten() -> bool:
        before = _inode(cache)
        load_settings(directory, cache=cache)
        return _inode(cache) != before and cache.read_bytes() == kept

    cache.write_bytes(kept[:-40])  # cut short: corrupt
    assert rewritten()
    cache.write_bytes(kept.replace(b"console.model.inventory:Host", b"subprocess:Popen"))
    assert rewritten()  # console/model's classes only are made
    os.chmod(cache, 0o620)  # group-writable
    assert rewritten() and (cache.stat().st_mode & 0o777) == 0o600
    os.chown(cache, 65534, 65534)  # another user's (the tests run as root)
    assert rewritten() and cache.stat().st_uid == os.getuid()
    aside = tmp_path / "aside.json"
    cache.rename(aside)
    cache.symlink_to(aside)  # a link, even to a good one
    assert rewritten() and not cache.is_symlink()


def test_an_ansible_backed_configuration_is_never_kept(tmp_path):
    shutil.copytree(CORPUS, tmp_path / "ansible")
    web = {"name": "web", "ansible": {"inventory": "../ansible/ini/hosts.ini", "group": "web"}}
    directory = config_with(tmp_path, [web])
    cache = _cache(tmp_path)
    assert len(load_settings(directory, cache=cache).inventory.system("web").hosts) == 14
    assert not cache.exists()


def test_an_inventory_read_before_its_file_changed_is_not_kept(tmp_path):
    """exec dials from inventory.toml read first (load_inventory); changed before the
    whole configuration is read, what was validated is not what the files' key says."""
    directory = tmp_path / "config"
    shutil.copytree(example_config(), directory)
    cache = _cache(tmp_path)
    read = load_inventory(directory)
    assert read is not None
    with (directory / "inventory.toml").open("a") as file:
        file.write("\n")
    load_settings(directory, read=read, cache=cache)
    assert not cache.exists()
    again = load_inventory(directory, cache)
    assert again is not None and again.settings is None
    load_settings(directory, read=again, cache=cache)  # the same files: kept
    hit = load_inventory(directory, cache)
    assert hit is not None and hit.settings is not None
    assert load_settings(directory, read=hit, cache=cache) is hit.settings


def test_validation_reads_no_environment_variable(monkeypatch):
    """The key holds no environment: what validation reads of it would go stale. (Once
    warm: pydantic's first validator reads PYDANTIC_DISABLE_PLUGINS, whose plugins only
    watch.)"""
    for shipped in (example_config(), demo_config()):
        load_settings(shipped)
    read: set[str] = set()

    class Watched(dict):
        def __getitem__(self, name):
            read.add(name)
            return super().__getitem__(name)

        def get(self, name, default=None):
            read.add(name)
            return super().get(name, default)

        def __contains__(self, name):
            read.add(name)
            return super().__contains__(name)

    monkeypatch.setattr(os, "environ", Watched(os.environ))
    for shipped in (example_config(), demo_config()):
        load_settings(shipped)
    assert read == set()


def test_check_config_never_reads_it(tmp_path):
    """A kept configuration for the very files check-config reads, planted valid while
    the files are not: check-config says the files' problem; a command takes it."""
    directory = _bench(tmp_path / "config")
    cache = _cache(tmp_path)
    valid = load_settings(directory, cache=cache)
    procedure = directory / "procedure.toml"
    procedure.write_text(procedure.read_text().replace('kind = "manual"', 'kind = "manaul"', 1))
    config_cache.keep(cache, key_of(directory, read_files(directory)), valid)
    assert load_settings(directory, cache=cache) == valid  # trusted as this user's own
    result = cli("check-config", str(directory), tmp_path=tmp_path)
    assert result.returncode == 2 and "'manaul'" in result.stderr, result.stderr


@pytest.mark.parametrize("shipped", ["bench", "example"])
def test_a_hit_imports_no_pydantic(tmp_path, shipped):
    """exec to its exit through a kept configuration, in a process of its own, its hosts
    refusing the connection: no pydantic module is loaded (issue 18: pydantic's import and
    first model were a quarter of exec's fixed cost), on bench's configuration and on
    init's, what README has a user start from."""
    key, _ = make_client_key(tmp_path)
    (tmp_path / "known_hosts").write_text("")
    with socket.socket() as refusing:  # bound, not listening: a connection is refused
        refusing.bind(("127.0.0.1", 0))
        port = refusing.getsockname()[1]
        if shipped == "example":
            shutil.copytree(example_config(), tmp_path / "config")  # what `init` writes
            directory = point_example(tmp_path / "config", key, tmp_path / "known_hosts", port)
            system, host = "web", "web-1"
        else:
            fleet = SimpleNamespace(
                user="rbtest",
                client_key=key,
                known_hosts=tmp_path / "known_hosts",
                hosts=lambda n: [("h1", "127.0.0.1", port)],
            )
            directory = write_console_config(
                tmp_path / "config", fleet, 1, command_steps=0, max_handshakes=50, max_commands=64
            )  # type: ignore[arg-type]
            with (directory / "procedure.toml").open("a") as file:
                file.write(_every_channel())  # records too: kept, made without pydantic
            system, host = "bench", "h1"
        cache, loaded = _cache(tmp_path), tmp_path / "loaded"
        code = (
            "import atexit, sys\n"
            f"def said(): open({str(loaded)!r}, 'w').write(repr(sorted(m for m in sys.modules"
            " if m.startswith('pydantic'))))\n"
            "atexit.register(said)\n"
            "from console.cli import main\n"
            "raise SystemExit(main())\n"
        )
        env = {**os.environ, "ROLLBACK_CONSOLE_STATE": str(cache.parent), "HOME": str(tmp_path)}
        load_settings(directory, cache=cache)  # as a first exec validates and keeps it
        kept = _inode(cache)
        argv = ["exec", "--config", str(directory), "--systems", system, "true"]
        run = subprocess.run(
            [sys.executable, "-c", code, *argv],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=Path(__file__).resolve().parents[1],  # this tree's console, first on the path
        )
    assert run.returncode == 1, run.stderr
    assert f"{host}: FAILED (connection refused)" in run.stderr, run.stderr
    assert kept is not None and _inode(cache) == kept  # a hit: not validated, nor rewritten
    assert loaded.read_text() == "[]"


def test_a_cache_whose_directory_cannot_be_looked_at_fails_no_load(tmp_path):
    """Seen in the whole suite: a teammate's console (another account), its state dir
    root's own (under a 0700 directory), ended 'internal error: PermissionError' as the
    cache looked for that directory to keep what it had validated; a cache never fails a
    load. As root here, a name too long stands for the refusal (stat raises both)."""
    directory = tmp_path / "config"
    shutil.copytree(example_config(), directory)
    cache = tmp_path / ("x" * 300) / "validated-config.json"
    assert load_settings(directory, cache=cache) == load_settings(directory)
