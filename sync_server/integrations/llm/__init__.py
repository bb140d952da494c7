"""LLM providers with tool calling, through their official SDKs: OpenAI's chat completions
(OpenAI, OpenRouter, Ollama, Azure OpenAI) and Anthropic's messages."""
