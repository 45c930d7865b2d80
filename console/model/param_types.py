"""The types a strategy parameter may have (its model: console/model/params.py)."""

from enum import StrEnum


class ParamType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    PORT = "port"  # a TCP port: 1 to 65535
    VERSION = "version"
    PATH = "path"
    TIMESTAMP = "timestamp"
    NAME = "name"
    ENV = "env"  # the name of an environment variable of the console (on the jump host)
