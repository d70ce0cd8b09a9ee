"""The Microsoft Teams bot: the Teams SDK for Python (microsoft-teams-apps) over AgentService."""
