"""The embedded demo fleet: asyncssh servers on loopback, each with a real sandbox."""
