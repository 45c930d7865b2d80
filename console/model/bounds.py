"""What every configuration table's names and times are held to, for its models and its
records alike (without pydantic: a record's module imports this, issue 18)."""

# The longest time a configuration may give (a year, in seconds; minutes and hours are
# this divided): more is a typo, and a time that far ahead leaves the calendar (a
# `timedelta` of 1e300 s fails to build, 10^11 s passes the year 9999).
YEAR_SECONDS = 365 * 24 * 3600

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
# A HostName: a DNS name, an IPv4 address, or an IPv6 one (its colons, a % zone).
ADDRESS_PATTERN = r"^[A-Za-z0-9:][A-Za-z0-9._:%-]{0,252}$"
