"""The back room: the owner's screens (catalog, inventory, customers, cortes, reports, staff, backups)."""
