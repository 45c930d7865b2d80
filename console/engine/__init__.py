"""Execution: SSH connections, fan-out across hosts, and the procedure conductor."""
