"""What of a notification channel is secret, for records only: a secret URL's parts a
receiver may say back, a header that holds a secret, a credential after its scheme.
Nothing sent is altered by them (console/journal/redact.py masks them)."""

import base64
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from console.model.short_secrets import SHORT


def url_parts(url: str) -> list[str]:
    """The parts of a secret URL a receiver may echo without its scheme and host (`Cannot
    POST /h/k7Qz9`, `/hook?token=...`), for records only (what is sent is never altered):

    - the path, whole, unless each of its segments is a plain word (`/status/incident`:
      masked, it would be masked in every host's output), and the path with its query;
    - the value of a query parameter whose name says it is a secret (token, key, sig,
      ...), whatever it looks like: bare from 6 characters, and always as `name=value`
      (a shorter one, bare, would mask ordinary letters everywhere);
    - any other path segment or query value that looks like a token (letters and digits,
      8 characters or more, or any 20 or more), and a password."""
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query)
        password = parts.password or ""
    except ValueError:
        return []
    found = [parts.path] if not all(_plain(w) for w in parts.path.split("/")) else []
    if parts.query:
        found.append(f"{parts.path}?{parts.query}")
    for raw in parts.query.split("&"):  # as sent, percent-encoded or not
        name = raw.split("=", 1)[0]
        if SECRET_NAME.search(name) and "=" in raw:
            found.append(raw)
    for name, value in pairs:
        if SECRET_NAME.search(name) and len(value) >= 6:
            found.append(value)
    words = [*parts.path.split("/"), *(v for _, v in pairs)]
    found += [w for w in words if _token_like(w)]
    if password:
        found += [f":{password}@", *([password] if len(password) >= 6 else [])]
        plain = unquote(password)  # as a receiver may say it back, decoded
        found += [plain] if plain != password and len(plain) >= 6 else []
        found.append(basic_credential(parts.username, password))  # as it is sent
    return found


def basic_credential(username: str | None, password: str | None) -> str:
    """A URL's `user:password@` as the HTTP Basic credential that is sent (its header's
    value after `Basic `), as curl makes it: each part percent-decoded."""
    pair = f"{unquote(username or '')}:{unquote(password or '')}"
    return base64.b64encode(pair.encode()).decode()


# A query parameter's name that says its value is a secret (access_token, api-key,
# X-Amz-Signature, client_secret, sig, auth, code, ...).
SECRET_NAME = re.compile(r"(?i)token|key|secret|sig|pass|pwd|auth|code|cred|session")


def secret_header(header: str, value: str) -> bool:
    """Whether a header given in the configuration holds a secret: its name says so
    (Authorization, X-Api-Key, ...), or its value looks like a token. A plain value
    (`X-Team = "web"`) is not one: masked, it was masked in every record, the names of
    systems and strategies too, and a strategy recorded as `«redacted»ersion-rollback`
    was then not found when its step ran."""
    return bool(SECRET_NAME.search(header)) or _token_like(value)


def _plain(segment: str) -> bool:
    """A path segment that is an ordinary word (lower-case letters, `-`, `_` or `.`) or
    an API version (`v1`, `v2.1`)."""
    return len(segment) < 20 and re.fullmatch(r"[a-z._-]*|v\d+(\.\d+)*", segment) is not None


def credential(value: str) -> str:
    """A header's credential after its scheme (`Bearer sk-...`, `Token ...`), which a
    receiver may say back alone (`invalid token sk-...`); empty unless it is one word of
    SHORT characters or more (a shorter one would be masked only where it stands alone)."""
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    one = scheme.isalpha() and " " not in credential
    return credential if one and len(credential) >= SHORT else ""


def _token_like(word: str) -> bool:
    mixed = any(c.isdigit() for c in word) and any(c.isalpha() for c in word)
    return len(word) >= 20 or (len(word) >= 8 and mixed)
