"""Where the sandbox keeps its bulk jobs: with the org's state, in memory or in its SQLite file.

Why with the state and not with the serving process: an import is DocuSign's to remember. A
``dsadmin bulk add`` interrupted after submitting resumes in another process by asking for the same
import id, and ``dsadmin sandbox serve`` restarted in the middle of a job must still answer for it;
a file-backed sandbox therefore writes each job to a ``jobs`` table of ``state.db`` inside the
request's transaction (so a job and the rows it applied commit together). An export's CSV is a
column of its own, read only when the results are downloaded, so polling a 50,000-user export
does not load megabytes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created REAL NOT NULL,
    unfinished INTEGER NOT NULL,
    data TEXT NOT NULL,
    export_csv TEXT NOT NULL DEFAULT ''
)
"""


@dataclass
class Job:
    id: str
    kind: str  # add | update | close | export
    requestor_id: str
    created: float
    header: list[str]
    rows: list[dict[str, str]]
    results: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    export_type: str = ""
    account_ids: list[str] = field(default_factory=list)
    export_rows: int = 0
    export_bytes: int = 0

    @property
    def unfinished(self) -> bool:
        return self.kind != "export" and len(self.results) < len(self.rows)


class MemJobs:
    """An in-memory sandbox's jobs (they live as long as its state)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._csv: dict[str, str] = {}

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def add(self, job: Job, export_csv: str = "") -> None:
        self._jobs[job.id] = job
        self._csv[job.id] = export_csv

    def save(self, job: Job) -> None:
        self._jobs[job.id] = job

    def delete(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
        self._csv.pop(job_id, None)

    def unfinished(self) -> list[Job]:
        return [j for j in self._jobs.values() if j.unfinished]

    def of_kind(self, export: bool) -> list[Job]:
        return [j for j in self._jobs.values() if (j.kind == "export") == export]

    def count(self) -> int:
        return len(self._jobs)

    def export_csv(self, job: Job) -> str:
        return self._csv.get(job.id, "")


class SqlJobs:
    """A file-backed sandbox's jobs: rows of ``jobs`` in ``state.db``, written at once (inside the
    request's transaction), never cached between requests."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn  # a callable returning the store's connection

    def get(self, job_id: str) -> Job | None:
        row = self._conn().execute("SELECT data FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return Job(**json.loads(row[0])) if row else None

    def add(self, job: Job, export_csv: str = "") -> None:
        self._conn().execute(
            "INSERT INTO jobs (id, kind, created, unfinished, data, export_csv) VALUES (?, ?, ?, ?, ?, ?)",
            (job.id, job.kind, job.created, int(job.unfinished), json.dumps(asdict(job)), export_csv),
        )

    def save(self, job: Job) -> None:
        self._conn().execute(
            "UPDATE jobs SET unfinished = ?, data = ? WHERE id = ?",
            (int(job.unfinished), json.dumps(asdict(job)), job.id),
        )

    def delete(self, job_id: str) -> None:
        self._conn().execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def unfinished(self) -> list[Job]:
        rows = self._conn().execute("SELECT data FROM jobs WHERE unfinished = 1 ORDER BY created").fetchall()
        return [Job(**json.loads(r[0])) for r in rows]

    def of_kind(self, export: bool) -> list[Job]:
        op = "=" if export else "<>"
        rows = self._conn().execute(f"SELECT data FROM jobs WHERE kind {op} 'export'").fetchall()
        return [Job(**json.loads(r[0])) for r in rows]

    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM jobs").fetchone()[0])

    def export_csv(self, job: Job) -> str:
        row = self._conn().execute("SELECT export_csv FROM jobs WHERE id = ?", (job.id,)).fetchone()
        return str(row[0]) if row else ""
