"""The configuration directory's files: each is one field of Settings."""

FILES = {
    "inventory": "inventory.toml",
    "procedure": "procedure.toml",
    "strategies": "strategies.toml",
    "console": "console.toml",
    "triggers": "triggers.toml",
    "drills": "drills.toml",
}
REQUIRED = ("inventory", "procedure", "strategies")
