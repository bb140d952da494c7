"""The server's edge to outside services (WhatsApp, LLM providers, payments, PAC) and their credentials."""
