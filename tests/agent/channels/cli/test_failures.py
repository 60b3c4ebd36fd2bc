"""What a command says when it stops on something outside its control: the store locked by another
process, the database gone mid-command, an interrupt. One line naming the fix, exit 1 (130 for an
interrupt), no traceback, and nothing done that the reply or the audit log claims."""

from __future__ import annotations

import os
import sqlite3
import sys

import pytest

import audit.db
from agent.channels.cli import main as cli_main


def _run(monkeypatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["dsadmin", *args])
    with pytest.raises(SystemExit) as stopped:
        cli_main.main()
    return int(stopped.value.code or 0)


def _dump(monkeypatch, capsys) -> str:
    assert _run(monkeypatch, "sandbox", "dump", "--json") == 0
    return capsys.readouterr().out


def test_a_store_locked_by_another_process_is_named_and_nothing_is_done(monkeypatch, capsys):
    """Another process holding the SQLite store's write lock (a long export, a stuck command, a
    DB browser) makes a write wait its busy timeout, then fail: the person is told the store is locked
    and to retry, not shown sqlite3.OperationalError."""
    monkeypatch.setattr(audit.db, "SQLITE_BUSY_TIMEOUT_S", 0.2)
    assert _run(monkeypatch, "store", "upgrade") == 0  # the store exists, at head
    capsys.readouterr()
    before = _dump(monkeypatch, capsys)
    holder = sqlite3.connect(os.path.join(os.environ["DSADMIN_HOME"], "dsadmin.db"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code = _run(monkeypatch, "ask", "--as", "admin@acme.com",
                    "Provision maya.chen@acme.com on EMEA as DocuSign Viewer")
        told = capsys.readouterr()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1, told
    assert "locked" in told.err and "try again" in told.err
    assert "Traceback" not in told.err + told.out and "OperationalError" not in told.err
    assert "Created" not in told.out
    assert _dump(monkeypatch, capsys) == before


class _InterruptImporting:
    """A Ctrl-C that lands while Python is still importing the command line (its first half second)."""

    def find_spec(self, name, path=None, target=None):
        if name == "agent.channels.cli.main":
            raise KeyboardInterrupt
        return None


def test_ctrl_c_while_dsadmin_is_still_loading_exits_130_without_a_traceback(monkeypatch, capsys):
    import agent.channels.cli as cli

    monkeypatch.delitem(sys.modules, "agent.channels.cli.main")
    monkeypatch.setattr(sys, "meta_path", [_InterruptImporting(), *sys.meta_path])
    monkeypatch.setattr(sys, "argv", ["dsadmin", "ask", "--as", "admin@acme.com", "list users"])
    with pytest.raises(SystemExit) as stopped:
        cli.entry()
    assert stopped.value.code == 130
    assert "interrupted" in capsys.readouterr().err


def test_ctrl_c_outside_a_command_is_an_interrupt_not_a_defect(capsys):
    from agent.channels.cli import failures

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as stopped:
        failures.run(interrupted)
    assert stopped.value.code == 130
    assert "interrupted" in capsys.readouterr().err


def test_an_unexpected_exception_is_one_line_naming_it_as_a_defect(monkeypatch, capsys):
    from agent.channels.cli import failures

    def broken():
        raise ValueError("a bug\nwith a second line")

    with pytest.raises(SystemExit) as stopped:
        failures.run(broken)
    err = capsys.readouterr().err
    assert stopped.value.code == 1
    assert "ValueError: a bug" in err and "second line" not in err and "DSADMIN_DEBUG=1" in err
    monkeypatch.setenv("DSADMIN_DEBUG", "1")
    with pytest.raises(ValueError):
        failures.run(broken)
