"""The store's models: each is mapped onto a plain Table, as ``Base.__table__``'s annotation says."""

from __future__ import annotations

from sqlalchemy import Table

import audit.db  # noqa: F401  (imports every module that puts a table on the store's metadata)
from audit.models import Base


def test_every_model_is_mapped_onto_a_plain_table():
    """The code writing the store calls Table methods (insert, update, indexes) on ``__table__``."""
    models = [mapper.class_ for mapper in Base.registry.mappers]
    assert len(models) == len(Base.metadata.tables)
    not_tables = [m.__name__ for m in models if not isinstance(m.__table__, Table)]
    assert not_tables == []
    assert {m.__table__.name for m in models} == set(Base.metadata.tables)
