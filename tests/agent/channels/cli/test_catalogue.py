"""`dsadmin catalogue` as a person runs it: the catalogue as text, JSON, or the README's Markdown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from policies import catalogue
from tests.policies.test_catalogue import readme_section

DSADMIN = Path(sys.executable).with_name("dsadmin")


def test_the_command_prints_the_catalogue(tmp_path):
    run = [str(DSADMIN), "catalogue"]
    markdown = subprocess.run([*run, "--markdown"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout == readme_section()
    data = json.loads(subprocess.run([*run, "--json"], capture_output=True, text=True, cwd=tmp_path,
                                     timeout=60).stdout)
    assert [a["action"] for a in data] == list(catalogue.ACTION_NAMES)
    close = next(o for o in data[1]["operations"] if o["name"] == "close")
    assert close["exactly_one_of"] == ["account", "accounts", "all_accounts"]
    plain = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert "  purge: purge users' data; needs email" in plain.stdout
    both = subprocess.run([*run, "--json", "--markdown"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert both.returncode == 2 and "choose one of" in both.stderr and not both.stdout
