"""The strict pydantic base every configuration and event model shares."""

from pydantic import BaseModel, ConfigDict

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
# A HostName: a DNS name, an IPv4 address, or an IPv6 one (its colons, a % zone).
ADDRESS_PATTERN = r"^[A-Za-z0-9:][A-Za-z0-9._:%-]{0,252}$"


class Strict(BaseModel):
    """Unknown keys are errors, numbers are finite, and a parsed value never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
