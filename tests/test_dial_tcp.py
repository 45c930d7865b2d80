"""The TCP step of a handshake: an address is used as it is, a name is resolved."""

import asyncio
import socket
import subprocess
import sys

import pytest

from console.engine import dial


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_an_address_or_a_name_reaches_the_listener(host: str, monkeypatch) -> None:
    resolved: list[str] = []
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo

    async def getaddrinfo(name, *args, **kwargs):
        resolved.append(name)
        return await real(name, *args, **kwargs)

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    accepted = asyncio.Event()
    server = await asyncio.start_server(lambda r, w: accepted.set(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        sock = await dial._tcp(host, port)
        sock.close()
        await asyncio.wait_for(accepted.wait(), 10)
    finally:
        server.close()
        await server.wait_closed()
    assert resolved == ([] if host == "127.0.0.1" else ["localhost"])  # no resolver thread


async def test_a_refused_address_says_so() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectionRefusedError):
        await dial._tcp("127.0.0.1", port)


def test_an_address_is_reached_without_the_idna_codec() -> None:
    """The IDNA codec (and unicodedata) is imported only for a name: not on the way to an
    address, which exec's start-up reaches without it (issue 18)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        script = (
            "import asyncio, sys\n"
            "from console.engine import dial\n"
            f"asyncio.run(dial._tcp('127.0.0.1', {port})).close()\n"
            "print('encodings.idna' in sys.modules)\n"
        )
        run = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
