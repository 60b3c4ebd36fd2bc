"""The directory cache's table: names the Admin API rarely changes, kept in the store between processes.

Why in the store: each ``dsadmin`` command is a new process, and without it every command
re-reads the organization, its accounts and each account's permission profiles and groups
before doing anything. Entries are JSON values under a key (``organizations``,
``profiles:<account id>``, ``groups:<account id>``, ``user:<email>``) within a scope (one
DocuSign endpoint and organization), each with the time it was read; older than the TTL counts as
absent. Only the table lives here (on the store's metadata, which the migrations produce);
``tools.docusign.cache`` reads and writes it. It is a cache, not a record: unlike the audit
tables, its rows are replaced and deleted.
"""

from __future__ import annotations

from sqlalchemy import Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from audit.models import Base


class DirectoryEntry(Base):
    __tablename__ = "directory_cache"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[float] = mapped_column(Float)
