"""config.example.yaml documents every setting and is itself a valid configuration."""

from __future__ import annotations

from pathlib import Path

import yaml

from agent.config import Config, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"


def _keys(model: type, prefix: str = "") -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        annotation = field.annotation
        inner = [a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")]
        keys.add(prefix + name)
        if inner:
            keys |= _keys(inner[0], prefix + name + ".")
    return keys


def _yaml_keys(data: dict, prefix: str = "") -> set[str]:
    keys = set()
    for key, value in data.items():
        keys.add(prefix + key)
        if isinstance(value, dict):
            keys |= _yaml_keys(value, prefix + key + ".")
    return keys


def test_example_loads():
    config = load_config(EXAMPLE)
    assert config.docusign is not None
    assert config.docusign.environment == "production"
    assert config.people.default_actor == "admin@acme.com"


def test_example_documents_every_setting():
    assert _keys(Config) == _yaml_keys(yaml.safe_load(EXAMPLE.read_text()))
