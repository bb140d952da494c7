"""MiChangarrito's pure domain: money, taxes, ids, business rules and the sync wire models."""
