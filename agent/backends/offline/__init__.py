"""The offline planner: a small, deterministic language-understanding engine for one narrow domain.

Snips-NLU style, in four steps, each its own module: ``grounding`` finds every mention of the
organization's own things (emails, accounts, profiles, groups, statuses, a few aliases) and
replaces them by placeholders; ``intents`` scores one declarative table of intents over that
placeholder sentence and abstains below a confidence; ``slots`` reads the values the intent needs
from the request's own words; ``guards`` refuses to propose a write with any value that is not
grounded or plausibly delimited, asking instead. ``planner`` strings them together and keeps a
half-filled request in the conversation; ``people`` reads the directory for names given without
an email.
"""

from agent.backends.offline.backend import OfflineBackend
from agent.backends.offline.planner import Planner

__all__ = ["OfflineBackend", "Planner"]
