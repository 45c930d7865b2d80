"""Where status updates go: Slack, PagerDuty, a generic webhook, or a command on the jump host.

Secrets (webhook URLs, routing keys, header values) come from the configuration or, better,
from environment variables named here; either way they are resolved only to be sent, and
every one of them is redacted from the journal, exports and screens. A channel is a record
(frozen.py): a kept configuration makes it without pydantic (issue 18).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

from console.model.bounds import NAME_PATTERN
from console.model.channel_secrets import credential, secret_header, url_parts
from console.model.frozen import (
    After,
    Frozen,
    JsonAs,
    Shown,
    checked_after,
    empty_dict,
    in_turn,
    ruled,
)
from console.model.notify_kinds import NOTIFY_VALUES, ChannelKind, Severity
from console.model.problems import Loc, located_error
from console.model.shell_quotes import quoted_placeholders
from console.model.templates import template_problems

# The longest wait between two attempts, whatever the backoff or the server asks.
MAX_DELAY = 60.0
PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
URL = r"^https?://\S+$"


def _env_name(value: str) -> str:
    """A variable's name; a value in its place is refused without being shown: it is
    most likely the secret itself, pasted where its variable's name goes."""
    if (
        re.fullmatch(r"[a-z0-9]{16,}", value)
        and re.search(r"\d", value)
        and re.search("[a-z]", value)
    ):
        raise ValueError(
            "looks like a key itself (lowercase letters and digits, as PagerDuty's), not the"
            " name of the environment variable holding it (not shown: it is a secret): export"
            " it, e.g. PAGERDUTY_ROUTING_KEY=..., and name that variable here"
        )
    if re.match(ENV_NAME, value):
        return value
    if re.match(r"(?i)^[a-z][a-z0-9+.-]*://", value):
        raise ValueError(
            "holds a URL where the name of the environment variable holding it goes (not"
            " shown: the URL is a secret): export it, e.g. SLACK_WEBHOOK_URL=..., and name"
            " that variable here"
        )
    raise ValueError(
        "is not the name of an environment variable: use letters, digits and '_', not"
        " starting with a digit (not shown: it may be the secret itself)"
    )


def is_url(value: str) -> bool:
    """An http:// or https:// URL a request can be sent to: without spaces, with a host,
    and a port, if any, that is a number (urllib refused `:8o80` and an IPv6 bracket
    left open only as it sent, past check-config)."""
    if not re.match(URL, value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (it raises for a port that is no number, or past 65535)
    except ValueError:
        return False
    return bool(parts.hostname)


def _secret_url(value: str) -> str:
    if not is_url(value):
        raise ValueError(
            "is not an http:// or https:// URL with a host, a numeric port if any, and no"
            " spaces (not shown: the URL is a secret)"
        )
    return value


# Where a secret, or the name of the variable holding one, is given: a mistaken value is
# refused without being echoed (check-config's output goes to CI logs and screens).
EnvName = Annotated[str, After(_env_name), JsonAs({"type": "string", "pattern": ENV_NAME})]
SecretUrl = Annotated[str, After(_secret_url), JsonAs({"type": "string", "pattern": URL})]


def _strings(value: Any, where: Loc = ()) -> list[tuple[Loc, str]]:
    """Every string in a JSON body, with its path: each may hold {{placeholders}}."""
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _strings(v, (*where, k))]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _strings(v, (*where, i))]
    return []


# What an HTTP request can carry: a header name is a token (RFC 9110), a value is
# Latin-1 text without line breaks or control characters (http.client refuses the rest,
# and the send then failed on every attempt).
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[\t\x20-\x7e\xa0-\xff]*")


def _header_problems(headers: dict[str, str], named: dict[str, str]) -> list[tuple[Loc, str]]:
    found: list[tuple[Loc, str]] = [
        (
            (key, name),
            f"{name!r} is not an HTTP header name: letters, digits and - (no spaces or ':')",
        )
        for key, table in (("headers", headers), ("headers_env", named))
        for name in table
        if not HEADER_NAME.fullmatch(name)
    ]
    found += [
        (
            ("headers", name),
            "holds a line break, a control character or a character outside Latin-1, which"
            " an HTTP header cannot carry (not shown: it may be a secret)",
        )
        for name, value in headers.items()
        if not HEADER_VALUE.fullmatch(value)
    ]
    return found


class MissingSecret(Exception):
    """A channel names an environment variable that is not set."""


# Which keys each kind accepts besides name, kind and the delivery options.
KIND_KEYS = {
    ChannelKind.SLACK: {"url", "url_env"},
    ChannelKind.PAGERDUTY: {"url", "url_env", "routing_key", "routing_key_env", "source"},
    ChannelKind.WEBHOOK: {"url", "url_env", "headers", "headers_env", "body"},
    ChannelKind.COMMAND: {"command"},
}
OPTIONAL_KEYS = {"url", "url_env", "routing_key", "routing_key_env", "source", "headers"}
OPTIONAL_KEYS |= {"headers_env", "body", "command"}
EMPTY_TABLE = Shown({})


@dataclass(init=False, repr=False, eq=False, kw_only=True)  # required after defaults
class Channel(Frozen):
    """One `[[channels]]` entry of procedure.toml."""

    name: str = ruled(pattern=NAME_PATTERN, description="what steps call this channel")
    kind: ChannelKind
    url: SecretUrl | None = ruled(None, description="webhook URL (a secret)")
    url_env: EnvName | None = ruled(None, description="environment variable holding the URL")
    routing_key: str | None = ruled(None, min_length=1, description="PagerDuty key")
    routing_key_env: EnvName | None = ruled(
        None, description="environment variable holding the key"
    )
    headers: Annotated[dict[str, str], EMPTY_TABLE] = field(
        default_factory=empty_dict, metadata={"description": "extra HTTP headers (secrets)"}
    )
    headers_env: Annotated[dict[str, EnvName], EMPTY_TABLE] = field(
        default_factory=empty_dict,
        metadata={"description": "header name -> environment variable holding its value"},
    )
    body: dict[str, Any] | None = ruled(
        None, description="webhook JSON body; {{placeholders}} in its strings"
    )
    command: str | None = ruled(None, description="run on the jump host")
    source: str | None = ruled(None, description="PagerDuty payload.source")
    severity: Severity = ruled(
        Severity.AUTO, description="PagerDuty trigger severity; auto: by trigger kind"
    )
    timeout: float = ruled(10.0, gt=0, le=120, description="seconds per attempt", strict=True)
    retries: int = ruled(3, ge=0, le=10, description="attempts after the first", strict=True)
    backoff: float = ruled(
        2.0,
        ge=0,
        le=MAX_DELAY,  # every wait is cut to it: more would be a promise not kept
        description="seconds before the first retry, then doubled (each wait at most 60)",
        strict=True,
    )
    drills: bool | None = ruled(
        None, description="send during drills (default: yes, but PagerDuty never pages)"
    )

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return checked_after(handler(source), in_turn(_keys_fit_kind, _texts_fit, _header_once))

    @property
    def in_drills(self) -> bool:
        """Whether this channel is used during a drill: a drill never pages by default."""
        if self.drills is not None:
            return self.drills
        return self.kind is not ChannelKind.PAGERDUTY

    def url_for(self, environ: Mapping[str, str]) -> str:
        if self.kind is ChannelKind.PAGERDUTY and not (self.url or self.url_env):
            return PAGERDUTY_EVENTS_URL
        return self.url or _env(environ, self.url_env or "", "url_env")

    def routing_key_for(self, environ: Mapping[str, str]) -> str:
        return self.routing_key or _env(environ, self.routing_key_env or "", "routing_key_env")

    def headers_for(self, environ: Mapping[str, str]) -> dict[str, str]:
        named = {h: _env(environ, var, f"headers_env.{h}") for h, var in self.headers_env.items()}
        return {**self.headers, **named}

    def bad_url(self, environ: Mapping[str, str]) -> str | None:
        """The variable `url_env` names, when it is set here to something that is not an
        http:// or https:// URL (sending would fail)."""
        value = environ.get(self.url_env or "")
        return self.url_env if value and not is_url(value) else None

    def bad_headers(self, environ: Mapping[str, str]) -> list[str]:
        """The `headers_env` variables set here to what no HTTP header can carry (a line
        break, a control character): every send would fail on it."""
        return [
            name
            for name in self.headers_env.values()
            if environ.get(name) and not HEADER_VALUE.fullmatch(environ[name])
        ]

    def unset(self, environ: Mapping[str, str]) -> list[str]:
        """The environment variables this channel names that are not set."""
        names = [self.url_env, self.routing_key_env, *self.headers_env.values()]
        return [name for name in names if name and not environ.get(name)]

    def secrets(self, environ: Mapping[str, str]) -> list[str]:
        """Every secret this channel sends, as far as it can be resolved now."""
        found = [
            self.routing_key or "",
            *(v for h, v in self.headers.items() if secret_header(h, v)),
        ]
        found += [
            environ.get(n, "") for n in (self.routing_key_env, *self.headers_env.values()) if n
        ]
        found += [c for v in found if (c := credential(v))]
        if self.kind is not ChannelKind.PAGERDUTY:  # PagerDuty's URL is public, its key is not
            url = self.url or (environ.get(self.url_env, "") if self.url_env else "")
            found += [url, *url_parts(url)]
        return [s for s in found if s]


def _keys_fit_kind(channel: Channel) -> Channel:
    allowed = KIND_KEYS[channel.kind]
    given = {k for k in OPTIONAL_KEYS if getattr(channel, k) not in (None, {}, [])}
    stray = sorted(given - allowed)
    if stray:
        raise ValueError(f"a {channel.kind} channel has no {', '.join(stray)}")
    for key in ("url", "routing_key"):
        if getattr(channel, key) and getattr(channel, f"{key}_env"):
            raise ValueError(f"give {key} or {key}_env, not both")
    kind = channel.kind
    if kind in (ChannelKind.SLACK, ChannelKind.WEBHOOK) and not (channel.url or channel.url_env):
        raise ValueError(f"a {kind} channel needs url_env (or url)")
    if kind is ChannelKind.PAGERDUTY and not (channel.routing_key or channel.routing_key_env):
        raise ValueError("a pagerduty channel needs routing_key_env (or routing_key)")
    if kind is ChannelKind.COMMAND and not channel.command:
        raise ValueError("a command channel needs a command")
    return channel


def _texts_fit(channel: Channel) -> Channel:
    """Its command's and body's placeholders, and its headers' names and values."""
    names = NOTIFY_VALUES | {"message"}
    located: list[tuple[Loc, str]] = [
        (("command",), p) for p in template_problems(channel.command or "", names)
    ]
    located += [(("command",), p) for p in quoted_placeholders(channel.command or "")]
    located += [
        (("body", *where), p)
        for where, text in _strings(channel.body)
        for p in template_problems(text, names)
    ]
    located += _header_problems(channel.headers, channel.headers_env)
    if located:
        raise located_error("Channel", located)
    return channel


def _header_once(channel: Channel) -> Channel:
    both = sorted(set(channel.headers) & set(channel.headers_env))
    if both:
        raise ValueError(f"header {both[0]!r} is in both headers and headers_env")
    return channel


def _env(environ: Mapping[str, str], name: str, key: str) -> str:
    value = environ.get(name, "")
    if not value:
        raise MissingSecret(f"environment variable {name} ({key}) is not set")
    return value
