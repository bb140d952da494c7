"""Talking to the sync server: the HTTP client, applying pulled changes, the background agent."""
