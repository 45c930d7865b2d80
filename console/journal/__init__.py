"""The event store: append with fsync, read back, record, export."""
