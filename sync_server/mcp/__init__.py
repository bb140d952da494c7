"""The shop's tools for the owner's AI apps over the Model Context Protocol (official SDK):
stdio for a local client, Streamable HTTP mounted on the sync server for remote ones."""
