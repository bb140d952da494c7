"""Stand-ins for the outside services at the machine's edge, on loopback (tests and the demo)."""
