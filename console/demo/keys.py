"""The demo fleet's keys: the console's and each host's, fresh every run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    """An Ed25519 key pair: the private key in OpenSSH's format, the public key's line."""

    private: bytes
    public: str


def new_key() -> Key:
    """A fresh key, made with `cryptography` (as asyncssh makes one) without importing
    asyncssh, whose import is ~15 % of the console's way to its first frame; imported
    with the first key (~85 M instructions with OpenSSL's start: after the console's
    first frame, `DemoFleet.make_keys`)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return Key(private, public.decode())
