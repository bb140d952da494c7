"""Client use cases: each validates, writes domain rows and outbox rows in one transaction."""
