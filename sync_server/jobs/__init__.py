"""Scheduled jobs: the owner's daily summary, low stock, fiado reminders, silent tills, plan
notices and clean-ups, each run once per shop and period across replicas (docs/jobs.md)."""
