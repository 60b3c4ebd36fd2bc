"""``python -m agent.channels.cli ...`` runs ``dsadmin ...`` (for tests and when no script is installed)."""

from agent.channels.cli import entry

entry()
