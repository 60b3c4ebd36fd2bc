"""The channels people reach dsadmin through (the HTTP service and its pages, Slack, MCP; the CLI
lives in ``agent.commands``): each a thin adapter onto the same runtime, conversation and gate."""
