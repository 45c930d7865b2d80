"""rollback-console: roll a bad delivery back over SSH, and keep the record."""

import sys
import warnings

__version__ = "0.1.0"

# asyncssh imports its X.509 certificate support when it is itself imported: the
# `cryptography.x509` modules (~120 M instructions, ~35 ms, every command's start, issue 18),
# then pyOpenSSL, which the console does not install, so that the support ends unavailable
# after its cost is paid. OpenSSH has no X.509 host or user certificates (its own
# certificates are asyncssh's public_key module's, unaffected): the support is not loaded.
sys.modules.setdefault("asyncssh.crypto.x509", None)  # type: ignore[arg-type]

# cryptography 51 deprecates DSA, and asyncssh (2.24) names its DSA types as it is imported:
# each command printed its warnings on stderr, as if they were the console's own words (and
# 200 tests comparing stderr exactly failed on a fresh install). OpenSSH has disabled DSA
# since 7.0; asyncssh's own deprecations still show.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"asyncssh\.")
