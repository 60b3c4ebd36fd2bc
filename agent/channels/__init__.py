"""Channels: thin adapters that bring a person's requests to the same runtime and the same gate."""
