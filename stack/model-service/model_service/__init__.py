"""The lab's stand-in for the external model provider: an OpenAI-compatible, deterministic chat model."""
