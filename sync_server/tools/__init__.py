"""The shop's tools: one typed set over the shop's data for the rule bot, the LLM assistant and
MCP clients (see base.py for what a tool is, calls.py for how a call runs)."""
