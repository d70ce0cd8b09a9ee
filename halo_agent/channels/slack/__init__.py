"""The Slack app: slack-bolt (async) over AgentService, in Socket Mode or over HTTP events."""
