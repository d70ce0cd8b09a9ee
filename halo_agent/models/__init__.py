"""ChatModel implementations: any OpenAI-compatible server, the offline model, and the factory."""
