"""rollback-console: roll a bad delivery back over SSH, and keep the record."""

__version__ = "0.1.0"
