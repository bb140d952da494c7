"""The server's own hybrid clock, for the changes it makes (catalog set-up, stock alerts)."""

from __future__ import annotations

from shared.hlc import HybridClock

server_clock = HybridClock()
