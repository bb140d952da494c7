"""Server use cases: shops, devices and pairing."""
