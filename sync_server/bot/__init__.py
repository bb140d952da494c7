"""The shop's bot: the LLM assistant (this package) and, from the WhatsApp channel, the
rule-based parser; both answer through the shop's tools."""
