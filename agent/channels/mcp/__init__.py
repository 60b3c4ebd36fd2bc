"""The MCP channel: dsadmin's four guarded actions for any Model Context Protocol client."""
