"""The sync protocol shared by the POS client and the sync server."""
