"""MiChangarrito's point of sale: the counter app over a local SQLite store, synced in the background."""
