"""Fakes of outside services, on loopback, speaking their real formats (the demo may use them)."""
