"""The local SQLite store: connection, schema migrations and repositories."""
