"""Wall-clock phase marks of one process, for `bench/phases.py`: on PYTHONPATH (this
directory) with PHASE_LOG=FILE, it notes `time.monotonic()` (one clock for every process
on the machine) at: the interpreter's start of site (`site`), each subprocess started
(`popen`: asyncssh's search for liboqs and nettle), each socket connect (`connect`), each
fsync or fdatasync (`fsync`/`fsync-end`, with its thread and file), each SSH login done
(`auth`), each session asked for (`session`: a command on its way), each exit status
received (`exit-status`), each channel's close received (`close`), each SSH connection lost (`lost`), the main thread's end
(`main-end`: threading._shutdown, before the non-daemon threads are joined) and the last
atexit handler (`atexit`), where FILE is written. Nothing is changed but the marks.
"""

import atexit
import importlib.abc
import importlib.machinery
import os
import sys
import threading
import time

_LOG = os.environ.get("PHASE_LOG")
_marks: list[tuple[float, str, str]] = []


def mark(name: str, detail: str = "") -> None:
    _marks.append((time.monotonic(), name, detail))


def _write() -> None:
    mark("atexit")
    with open(_LOG, "w") as out:
        out.writelines(f"{t:.6f}\t{n}\t{d}\n" for t, n, d in _marks)


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple):
            mark("connect", f"{address[0]}:{address[1]}")
    elif event == "subprocess.Popen":
        mark("popen", os.path.basename(str(args[0])))


def _timed(call, name: str):
    def timed(fd, *rest):
        try:
            what = os.readlink(f"/proc/self/fd/{fd}").rsplit("/", 1)[-1]
        except OSError:
            what = "?"
        where = threading.current_thread().name
        mark(name, f"{what} {where}")
        try:
            return call(fd, *rest)
        finally:
            mark(f"{name}-end", f"{what} {where}")

    return timed


def _patch_channel(module) -> None:
    process = module.SSHClientChannel._process_exit_status_request

    def exit_status(self, packet):
        mark("exit-status")
        return process(self, packet)

    module.SSHClientChannel._process_exit_status_request = exit_status
    close = module.SSHChannel._process_close

    def process_close(self, *args):
        mark("close")
        return close(self, *args)

    module.SSHChannel._process_close = process_close
    module.SSHChannel._packet_handlers = {**module.SSHChannel._packet_handlers}
    for kind, handler in module.SSHChannel._packet_handlers.items():
        if handler is close:
            module.SSHChannel._packet_handlers[kind] = process_close


def _patch_connection(module) -> None:
    lost = module.SSHConnection.connection_lost

    def connection_lost(self, exc=None):
        mark("lost")
        return lost(self, exc)

    module.SSHConnection.connection_lost = connection_lost
    client = module.SSHClientConnection
    success = client._process_userauth_success

    def userauth_success(self, *args):
        mark("auth")
        return success(self, *args)

    client._packet_handlers = {**client._packet_handlers}
    for kind, handler in client._packet_handlers.items():
        if handler is success:
            client._packet_handlers[kind] = userauth_success
    create = client.create_session

    async def create_session(self, *args, **kwargs):
        mark("session")
        return await create(self, *args, **kwargs)

    client.create_session = create_session


PATCHES = {"asyncssh.channel": _patch_channel, "asyncssh.connection": _patch_connection}


class _Loader(importlib.abc.Loader):
    def __init__(self, loader, patch):
        self.loader, self.patch = loader, patch

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.patch(module)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        patch = PATCHES.get(name)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader, patch)
        return spec


def _install() -> None:
    mark("site")
    sys.addaudithook(_audit)
    os.fsync = _timed(os.fsync, "fsync")
    os.fdatasync = _timed(os.fdatasync, "fsync")
    sys.meta_path.insert(0, _Finder())
    shutdown = threading._shutdown

    def _shutdown():
        mark("main-end")
        shutdown()
        mark("joined")

    threading._shutdown = _shutdown
    atexit.register(_write)


if _LOG:
    _install()
