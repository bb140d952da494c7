"""MiChangarrito's sync server: reconciles devices into multi-tenant PostgreSQL."""
