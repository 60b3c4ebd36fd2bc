"""The channels people reach dsadmin through: the command line (``cli``), the HTTP service and its
pages (``web``), Slack, MCP; each a thin adapter onto the same runtime, conversation and gate.

The top layer: nothing in the agent below imports a channel, and no channel imports the CLI
(``lint-imports`` checks both)."""
