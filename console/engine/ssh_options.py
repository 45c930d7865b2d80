"""Which ssh_config options the console acts on, and what it says of those it does not:
README's promise that check-config warns of "an ssh_config option it ignores". Seen on a
real fleet: `CanonicalizeHostname`, `CertificateFile`, `ForwardAgent`, `Ciphers` and a
mistyped `Hostnme` were all dropped without a word, so a host the user's ssh reaches
through a certificate, or by its canonical name, failed or went elsewhere unexplained."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from console.model.problems import did_you_mean

# Read and honoured (destination.py); StrictHostKeyChecking has a note of its own.
HEEDED = {
    "host", "match", "include", "hostname", "user", "port", "identityfile", "identitiesonly",
    "proxyjump", "proxycommand", "userknownhostsfile", "globalknownhostsfile",
    "hashknownhosts", "hostkeyalias", "connecttimeout", "serveraliveinterval",
    "serveralivecountmax", "stricthostkeychecking",
}  # fmt: skip
# Not used, and nothing the console does changes for it: not worth a warning on every
# check of a config that sets them for `Host *` (Debian's /etc/ssh/ssh_config does).
QUIET = {
    "rsaauthentication", "keepalive",  # read by ssh 9.2 (unsupported; TCPKeepAlive's old name)
    "addkeystoagent", "usekeychain", "controlmaster", "controlpath", "controlpersist",
    "loglevel", "logverbose", "syslogfacility", "visualhostkey", "compression",
    "tcpkeepalive", "forwardx11", "forwardx11trusted", "forwardx11timeout", "xauthlocation",
    "updatehostkeys", "checkhostip", "sendenv", "gssapiauthentication",
    "gssapidelegatecredentials", "gssapikeyexchange", "gssapikexalgorithms",
    "gssapirenewalforcesrekey", "gssapitrustdns", "gssapiclientidentity",
    "gssapiserveridentity", "exitonforwardfailure", "escapechar", "batchmode",
    "numberofpasswordprompts", "connectionattempts", "rekeylimit", "ignoreunknown",
    "streamlocalbindmask", "streamlocalbindunlink", "clearallforwardings", "ipqos",
    "obscurekeystroketiming", "enableescapecommandline", "fingerprinthash",
    "passwordauthentication", "kbdinteractiveauthentication",
    "challengeresponseauthentication", "pubkeyauthentication", "hostbasedauthentication",
    "enablesshkeysign", "nohostauthenticationforlocalhost", "protocol", "stdinnull",
    "forkafterauthentication", "sessiontype", "requiredrsasize", "channeltimeout",
    "gatewayports", "permitremoteopen", "tunnel", "tunneldevice", "kbdinteractivedevices",
    "versionaddendum", "useroaming", "usedns",
    # Deprecated or unsupported, which ssh reads and passes over (OpenSSH 9.2's table)
    "afstokenpassing", "cipher", "compressionlevel", "dsaauthentication", "fallbacktorsh",
    "globalknownhostsfile2", "hostbasedkeytypes", "identityfile2", "kerberosauthentication",
    "kerberostgtpassing", "rhostsauthentication", "rhostsrsaauthentication",
    "skeyauthentication", "tisauthentication", "useblacklistedkeys", "useprivilegedport",
    "userknownhostsfile2", "usersh", "pubkeyauthoptions", "warnweakcrypto", "refuseconnection",
}  # fmt: skip
WHY = {
    **dict.fromkeys(
        ("ciphers", "macs", "kexalgorithms", "hostkeyalgorithms", "pubkeyacceptedalgorithms",
         "pubkeyacceptedkeytypes", "casignaturealgorithms", "hostbasedacceptedalgorithms"),
        "the console offers its own algorithms (README, How hosts are reached)",
    ),
    **dict.fromkeys(
        ("certificatefile", "identityagent", "pkcs11provider", "securitykeyprovider",
         "preferredauthentications"),
        "the console logs in with IdentityFile keys and the agent of $SSH_AUTH_SOCK only",
    ),
    **dict.fromkeys(
        ("canonicalizehostname", "canonicaldomains", "canonicalizefallbacklocal",
         "canonicalizemaxdots", "canonicalizepermittedcnames"),
        "names are not canonicalized: set HostName (or the inventory's address)",
    ),
    **dict.fromkeys(
        ("addressfamily", "bindaddress", "bindinterface"),
        "the console connects from the address the system routes it through",
    ),
    **dict.fromkeys(
        ("knownhostscommand", "verifyhostkeydns"),
        "host keys are checked against known_hosts files only",
    ),
    **dict.fromkeys(
        ("localforward", "remoteforward", "dynamicforward", "remotecommand", "requesttty",
         "setenv", "localcommand", "permitlocalcommand", "proxyusefdpass", "tag"),
        "the console runs its own commands, with no forwarding, tty or environment",
    ),
    "forwardagent": "the console never forwards the agent",
    "revokedhostkeys": "only known_hosts lines marked @revoked are refused",
    "smartcarddevice": "the console logs in with IdentityFile keys and the agent of $SSH_AUTH_SOCK only",
    **dict.fromkeys(  # Debian's own names of ServerAliveInterval and ConnectTimeout
        ("protocolkeepalives", "setuptimeout"),
        "Debian's old name: write ServerAliveInterval or ConnectTimeout",
    ),
}  # fmt: skip
KNOWN = HEEDED | QUIET | set(WHY)
# How OpenSSH spells the options a typo is likeliest to be near.
SPELLED = {
    "hostname": "HostName", "user": "User", "port": "Port", "identityfile": "IdentityFile",
    "identitiesonly": "IdentitiesOnly", "proxyjump": "ProxyJump",
    "proxycommand": "ProxyCommand", "userknownhostsfile": "UserKnownHostsFile",
    "globalknownhostsfile": "GlobalKnownHostsFile", "hostkeyalias": "HostKeyAlias",
    "connecttimeout": "ConnectTimeout", "serveraliveinterval": "ServerAliveInterval",
}  # fmt: skip


def ignored_note(path: str, line: int, option: str) -> str | None:
    """What check-config (and a dry run) say of `option` (lowercase) read at `path`:`line`
    for a host, or None when nothing needs saying."""
    if option in HEEDED or option in QUIET:
        return None
    if option not in KNOWN:  # this machine's ssh reads it (ssh_reads), a newer option
        return f"{path}:{line}: {option} ignored: an option this console does not know"
    return f"{path}:{line}: {_spelled(option)} ignored: {WHY[option]}"


@cache
def ssh_reads(option: str) -> bool:
    """Whether this machine's ssh reads `option` (lowercase), not in the table above: a
    newer OpenSSH on the jump host knows options this table does not, and a configuration
    its ssh takes must not stop the console. Asked of `ssh -G` with that option alone in a
    file of its own (nothing else of the user's is read, no `Match exec` run); no ssh here,
    or no answer: False, and the option is refused as the table says."""
    ssh = shutil.which("ssh")
    if ssh is None:
        return False
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config"
        config.write_text(f"{option} no\n")
        try:
            asked = subprocess.run(
                [ssh, "-G", "-F", str(config), "localhost"],
                capture_output=True,
                text=True,
                timeout=10,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError):
            return False
    said = asked.stderr
    return asked.returncode == 0 or ("line 1" in said and "Bad configuration option" not in said)


def bad_option(option: str) -> str:
    """ssh's refusal of an option it does not know (the whole file, for every host: a
    mistyped `Hostnme` would have sent the console to the alias's own address, where ssh
    goes nowhere), with the option it is likeliest to be."""
    return f"Bad configuration option: {option}{did_you_mean(option, KNOWN, shown=_spelled)}"


def _spelled(option: str) -> str:
    from asyncssh.config import SSHClientConfig

    handler = SSHClientConfig._handlers.get(option)
    return SPELLED.get(option) or (handler[0] if handler else option)
