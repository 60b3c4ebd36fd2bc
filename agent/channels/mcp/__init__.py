"""The MCP channel: dsadmin's five guarded actions for any Model Context Protocol client."""
