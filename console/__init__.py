"""rollback-console: roll a bad delivery back over SSH, and keep the record."""

import sys

__version__ = "0.1.0"

# asyncssh imports its X.509 certificate support when it is itself imported: the
# `cryptography.x509` modules (~120 M instructions, ~35 ms, every command's start, issue 18),
# then pyOpenSSL, which the console does not install, so that the support ends unavailable
# after its cost is paid. OpenSSH has no X.509 host or user certificates (its own
# certificates are asyncssh's public_key module's, unaffected): the support is not loaded.
sys.modules.setdefault("asyncssh.crypto.x509", None)  # type: ignore[arg-type]
