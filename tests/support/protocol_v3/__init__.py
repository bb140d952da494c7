"""A version-3 till on the wire, kept for the compatibility window's tests: the released code
of commit 208ca17 (the last commit of `main` speaking protocol version 3), frozen.

``payloads``, ``envelopes``, ``protocol`` and ``client`` are that commit's wire models and
HTTP client, verbatim but for their imports (and the four enums version 3 knew, copied
beside the payloads, so today's enums cannot widen them). ``till`` is the till's sync loop
reduced to what crosses the wire (its outbox, its cursor, what it received), following
that commit's ``pos_client/sync/agent.py``. CI needs no git history to run them.
"""
