"""Applying pushed changes and serving the change feed."""
