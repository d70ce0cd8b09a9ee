"""What the chat-platform bots (Slack, Teams) share: identity from the platform, the turn and button logic
over AgentService, delivery dedupe and where to tell a requester about an approval. Platform formatting
(Block Kit, Adaptive Cards) lives in each platform's own package."""
