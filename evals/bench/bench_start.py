"""How fast ``dsadmin`` starts: ``dsadmin --help`` and ``dsadmin ask --help`` against the time
Python takes to ``import typer`` (the floor any typer command line pays), measured in the same run.

Run: ``python -m evals.bench.bench_start [--runs N]``. Each round starts three fresh processes,
interleaved so a busy machine slows all three alike: ``python -c "import typer"`` (the anchor),
``dsadmin --help`` and ``dsadmin ask --help``. Prints the median wall time of each over N rounds
(default 7, at least 5) and each command's median as a ratio to the anchor's. The target is <= 2x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 2.0


def _dsadmin() -> list[str]:
    """The installed console script, else the module it runs (same code, same imports)."""
    script = Path(sys.executable).with_name("dsadmin")
    return [str(script)] if script.exists() else [sys.executable, "-m", "agent.channels.cli"]


def _wall(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds (at least 5)")
    runs = max(5, parser.parse_args(argv).runs)
    env = {**os.environ, "COLUMNS": "100"}
    # as installed: bytecode cached (pip compiles it; the warm-up round writes ours), else every
    # run would compile dsadmin's sources while typer's come from its caches
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cases = {
        'python -c "import typer"': [sys.executable, "-c", "import typer"],
        "dsadmin --help": [*_dsadmin(), "--help"],
        "dsadmin ask --help": [*_dsadmin(), "ask", "--help"],
    }
    for cmd in cases.values():  # warm the bytecode caches and the page cache once
        _wall(cmd, env)
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, cmd in cases.items():
            times[name].append(_wall(cmd, env))
    anchor = statistics.median(times['python -c "import typer"'])
    print(f"start-up, median of {runs} runs (wall time; ratio to the anchor, target <= {TARGET:g}x)")
    for name, samples in times.items():
        median = statistics.median(samples)
        ratio = median / anchor
        verdict = "" if name.startswith("python") else ("  ok" if ratio <= TARGET else "  OVER TARGET")
        print(f"  {name:<28} {median * 1000:7.0f} ms  {ratio:5.2f}x{verdict}")


if __name__ == "__main__":
    main()
