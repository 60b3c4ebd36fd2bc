"""Notifications: the outbox's entries turned into emails and signed webhooks, each delivered once."""
