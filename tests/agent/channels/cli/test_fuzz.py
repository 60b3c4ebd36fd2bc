"""Malformed input to every command: a clear message, exit 1 or 2, nothing changed, never a traceback.

The commands are enumerated from the typer app, so a new command or option is covered without
editing this file: every int parameter gets out-of-range and non-numeric values, every parameter
that names a file gets a binary file, a UTF-16 file, YAML nested thousands deep, a folder and a
missing path; then every command runs under malformed configuration files. State is the
sandbox's dump and the audit log's event count, read before and after.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agent.channels.cli.main import app

# parameters that name a file or folder a person gives (by parameter name)
FILE_PARAMS = {"script", "fixture", "state_dir", "paths", "file", "scripts", "config"}
# folders dsadmin creates when missing: only a file in their place is malformed
FOLDER_PARAMS = {"state_dir", "scripts"}
# values for required arguments that are not the one under test (harmless: each is refused or reads)
FILLERS = {"text": "hi", "token": "no-such-token", "approval_id": "apr_none", "event_id": "1", "file": None}
BIG = str(2**70)


def commands() -> list[tuple[tuple[str, ...], Any]]:
    """Every leaf command of the app with its words (``("audit", "show")``)."""
    found = []

    def walk(cmd: Any, words: tuple[str, ...]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*words, name))
        else:
            found.append((words, cmd))

    walk(typer.main.get_command(app), ())
    return found


def annotation(param: Any) -> Any:
    return param.type_descriptor.annotation


def malformed_files(root: Path) -> dict[str, Path]:
    files = root / "malformed"
    files.mkdir(exist_ok=True)
    made = {
        "binary": files / "binary.yaml",
        "utf16": files / "utf16.yaml",
        "nested": files / "nested.yaml",
        "nested-block": files / "nested-block.yaml",
        "folder": files,
        "missing": files / "missing.yaml",
    }
    made["binary"].write_bytes(bytes(range(256)) * 8)
    made["utf16"].write_text("policy: x\nturns: []\n", encoding="utf-16")
    made["nested"].write_text("[" * 5000 + "]" * 5000)
    made["nested-block"].write_text("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 3000)))
    return made


def int_values(param: Any) -> list[str]:
    values = [BIG, f"-{BIG}", "abc", "1.5", ""]
    if param.min is not None:
        values.append(str(param.min - 1))
    if param.max is not None:
        values.append(str(param.max + 1))
    return values


def invocation(words: tuple[str, ...], cmd: Any, target: Any, value: str) -> list[str]:
    """The command line with ``value`` for ``target`` and fillers for the other required arguments."""
    args = list(words)
    for param in cmd.params:
        chosen = value if param is target else None
        if chosen is None and param.param_type_name == "argument":
            # a list argument left empty means "everything" (eval: every scenario): name one that fails
            many = getattr(annotation(param), "__origin__", None) is list
            if param.required or many:
                chosen = FILLERS.get(param.name) or ("/nonexistent/file.yaml" if many else "x")
        if chosen is None:
            continue
        if param.param_type_name == "argument":
            args.append(chosen)
        else:
            args += [param.opts[0], chosen]
    return args


def cases(root: Path) -> list[list[str]]:
    files = malformed_files(root)
    out = []
    for words, cmd in commands():
        for param in cmd.params:
            if getattr(param, "is_flag", False):
                continue
            if annotation(param) is int:
                out += [invocation(words, cmd, param, v) for v in int_values(param)]
            elif param.name in FILE_PARAMS:
                bad = [p for name, p in files.items()
                       if param.name not in FOLDER_PARAMS or name not in ("folder", "missing")]
                out += [invocation(words, cmd, param, str(p)) for p in bad]
    out.append(["audit", "export", "--output", str(files["folder"])])
    out += [["sandbox", "serve", "--faults", bad] for bad in
            ("{bad", "[]", "5", '"x"', '{"error_rate": 5}', '{"x": 1}', '{"burst_statuses": 5}',
             '{"rate_limit": "a"}', '{"latency_ms": [1]}')]
    return out


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """A $DSADMIN_HOME with a sandbox and an audit log that already hold something."""
    root = tmp_path_factory.mktemp("fuzz-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("DSADMIN_HOME", str(root))
    mp.delenv("DSADMIN_CONFIG", raising=False)
    mp.delenv("ANTHROPIC_API_KEY", raising=False)
    done = CliRunner().invoke(app, ["ask", "--as", "admin@acme.com", "list users on EMEA"])
    assert done.exit_code == 0, done.output
    yield root
    mp.undo()


@pytest.fixture
def run(home, monkeypatch):
    """Invoke dsadmin in-process; the sandbox server must never start on malformed input."""
    import tools.docusign.sandbox.serve as serve

    def refuse(*_a: Any, **_k: Any) -> None:
        raise AssertionError("a malformed invocation started the sandbox server")

    monkeypatch.setenv("DSADMIN_HOME", str(home))
    monkeypatch.delenv("DSADMIN_CONFIG", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setattr(serve, "serve_forever", refuse)
    runner = CliRunner()
    return lambda args: runner.invoke(app, args)


def state(home: Path) -> tuple[str, int]:
    from audit import AuditLog, open_store
    from tools.docusign.sandbox import Sandbox

    dump = json.dumps(Sandbox.open(home / "sandbox", fixture="acme").dump(), sort_keys=True)
    engine = open_store(f"sqlite:///{home / 'dsadmin.db'}")
    try:
        events = sum(1 for _ in AuditLog(engine).records())
    finally:
        engine.dispose()
    return dump, events


def assert_clean_refusal(result: Any, args: list[str]) -> None:
    shown = " ".join(a[:60] for a in args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}: {type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output, shown
    assert result.exit_code in (1, 2), f"{shown}: exit {result.exit_code}: {result.output[-300:]}"
    assert result.output.strip(), f"{shown}: refused without saying why"


def test_every_command_is_covered():
    names = {" ".join(words) for words, _ in commands()}
    assert {"ask", "audit show", "audit tail", "sandbox serve", "sandbox reset", "policy check"} <= names


def test_malformed_arguments_are_refused_cleanly_and_change_nothing(home, run, tmp_path):
    before = state(home)
    tried = cases(tmp_path)
    assert len(tried) > 80
    for args in tried:
        assert_clean_refusal(run(args), args)
    assert state(home) == before


def _config(root: Path, name: str, text: str) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(text)
    return path


def malformed_configs(root: Path) -> dict[str, Path]:
    files = malformed_files(root)
    guid = "11111111-2222-3333-4444-555555555555"
    garbled = root / "garbled.pem"
    garbled.write_text("-----BEGIN RSA PRIVATE KEY-----\nnot base64!!\n-----END RSA PRIVATE KEY-----\n")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_key = root / "ec.pem"
    ec_key.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    def docusign(key: Path) -> str:
        return f"docusign:\n  integration_key: abc\n  user_id: {guid}\n  private_key_file: {key}\n"

    return {
        "binary": files["binary"], "utf16": files["utf16"], "nested": files["nested"],
        "nested-block": files["nested-block"],
        "scalar": _config(root, "scalar", "42\n"),
        "list": _config(root, "list", "- a\n"),
        "unknown-section": _config(root, "unknown", "dockusign: {}\n"),
        "garbled-key": _config(root, "garbled", docusign(garbled)),
        "ec-key": _config(root, "ec", docusign(ec_key)),
        "binary-key": _config(root, "binkey", docusign(files["binary"])),
        "policy-binary": _config(root, "polbin", f"policy:\n  path: {files['binary']}\n"),
        "policy-missing": _config(root, "polmiss", f"policy:\n  path: {files['missing']}\n"),
    }


CONFIG_COMMANDS = [
    ["config", "check"],
    ["ask", "--as", "admin@acme.com", "list users on EMEA"],
    ["confirm", "no-such-token", "--as", "admin@acme.com"],
    ["approvals", "list"],
    ["approvals", "approve", "apr_none", "--as", "approver@acme.com"],
    ["consent-url"],
]


def test_malformed_configuration_files_are_refused_by_every_command(home, run, tmp_path):
    before = state(home)
    for name, path in malformed_configs(tmp_path).items():
        for command in CONFIG_COMMANDS:
            if command == ["consent-url"] and name.endswith("-key"):
                continue  # the consent URL needs no key: printing it with a broken key is right
            args = ["--config", str(path), *command]
            result = run(args)
            assert_clean_refusal(result, args)
            assert "configuration works" not in result.output, (name, command)
    assert state(home) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.integers(min_value=-(2**80), max_value=2**80).map(str),
                       st.text(min_size=0, max_size=30).filter(lambda s: "\x00" not in s)))
def test_any_value_for_an_int_option_never_tracebacks(run, value):
    for args in (["audit", "show", value], ["audit", "tail", "-n", value],
                 ["sandbox", "serve", "--port", value, "--faults", "[]"]):
        result = run(args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        assert "Traceback" not in result.output
