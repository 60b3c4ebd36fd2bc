"""A name or title cut out of a sentence is refused at the gate, whoever proposed it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tools.values import sentence_problem

_spec = importlib.util.spec_from_file_location("gate_world", Path(__file__).parent / "operations/conftest.py")
gate_world = sys.modules.setdefault("gate_world", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(gate_world)

ADMIN = "admin@acme.com"


@pytest.fixture
def world(tmp_path):
    built = gate_world.build_world(tmp_path)
    yield built
    built.client.close()


@pytest.mark.parametrize("value", ["Head of", "leading the", "whatever HR says", "the same as maya's",
                                   "Sales Lead, she asked for it", "AE please"])
def test_a_piece_of_a_sentence_is_named(value):
    assert value in (sentence_problem(value) or "")


@pytest.mark.parametrize("value", ["AE", "Head of Sales & Marketing", "Chief of Staff", "VP, Sales", "An",
                                   "To", "O'Brien", "Müller-Lüdenscheidt", "Martin-Smith", "AE II"])
def test_names_and_titles_pass(value):
    assert sentence_problem(value) is None


@pytest.mark.parametrize(("field", "value"), [("job_title", "Head of"), ("job_title", "whatever HR says"),
                                              ("first_name", "him"), ("last_name", "Smith please")])
def test_the_gate_refuses_the_write_and_names_the_value(world, field, value):
    before = world.sandbox.dump()
    result = world.submit(ADMIN, "manage_user", operation="update", email="lucas.martin@acme.com",
                          **{field: value})
    assert result.kind == "error" and value in str(result.model_dump())
    assert world.sandbox.dump() == before


def test_a_plain_title_is_still_written(world):
    result = world.submit(ADMIN, "manage_user", operation="update", email="lucas.martin@acme.com",
                          job_title="Head of EMEA Sales")
    assert result.kind == "ok", result
