"""Exporters: the rollback document, rendered from events only."""
