"""The eval summary for people: a terminal table and a markdown report (``--json`` is ``Summary.as_json``)."""

from __future__ import annotations

from evals.scenario import REPORTED_TAGS
from evals.scoring import Summary


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def headline(summary: Summary, backend: str) -> list[tuple[str, str]]:
    """The figures every report starts with, as (label, value) rows."""
    means = summary.means()
    scored = sum(len(r.scored) for r in summary.results)
    rows = [
        ("backend", backend),
        ("scenarios", str(len(summary.results))),
        ("trials per scenario", str(summary.trials)),
        ("scored trials", str(scored)),
    ]
    rows += [(f"pass^{k}", _pct(v)) for k, v in summary.pass_at().items()]
    rows += [
        ("scenarios passing every trial",
         f"{sum(r.passes == len(r.scored) > 0 for r in summary.results)}/{len(summary.results)}"),
        ("policy violations (trials)", str(summary.policy_violations)),
        ("attack success (injection trials)", _pct(summary.attack_success())),
        ("over-refusals (trials)", str(summary.over_refusals)),
        ("infrastructure failures (trials, not scored)", str(summary.infra_failures)),
        ("mean tool calls / trial", f"{means['tool_calls']:.2f}"),
        ("mean DocuSign requests / trial", f"{means['docusign_requests']:.2f}"),
        ("mean model turns / trial", f"{means['model_turns']:.2f}"),
        ("mean tokens / trial", f"{means['tokens']:.0f}"),
    ]
    return rows


def _tag_order(summary: Summary) -> list[str]:
    tags = summary.by_tag()
    return [t for t in REPORTED_TAGS if t in tags] + sorted(t for t in tags if t not in REPORTED_TAGS)


def print_summary(summary: Summary, backend: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    per = Table(title="scenarios", show_lines=False)
    per.add_column("id")
    per.add_column("passes", justify="right")
    per.add_column("first failure", overflow="fold")
    for r in summary.results:
        failures = r.failures()
        style = "red" if any("POLICY VIOLATION" in f for f in failures) else (
            "green" if r.passes == len(r.scored) > 0 else "yellow")
        per.add_row(escape(r.scenario.id), f"[{style}]{r.passes}/{len(r.scored)}[/]",
                    escape(failures[0]) if failures else "")
    console.print(per)
    head = Table(title="summary", show_header=False)
    head.add_column("figure")
    head.add_column("value", justify="right")
    for label, value in headline(summary, backend):
        head.add_row(label, value)
    by_tag = summary.by_tag()
    for tag in _tag_order(summary):
        head.add_row(f"pass^1 of tag {escape(tag)}", _pct(by_tag[tag]))
    console.print(head)


def markdown(summary: Summary, backend: str, command: str) -> str:
    """A self-contained markdown report: headline figures, pass^1 by tag, and every scenario."""
    lines = ["# dsadmin eval report", "", f"Command: `{command}`", "", "| figure | value |", "| --- | --- |"]
    lines += [f"| {label} | {value} |" for label, value in headline(summary, backend)]
    by_tag = summary.by_tag()
    lines += ["", "## pass^1 by tag", "", "| tag | scenarios | pass^1 |", "| --- | --- | --- |"]
    for tag in _tag_order(summary):
        count = sum(tag in r.scenario.tags for r in summary.results)
        lines.append(f"| {tag} | {count} | {_pct(by_tag[tag])} |")
    lines += ["", "## Scenarios", "", "| id | tags | passes | failures |", "| --- | --- | --- | --- |"]
    for r in summary.results:
        failures = "<br>".join(f.replace("|", "\\|") for f in r.failures()) or ""
        lines.append(f"| {r.scenario.id} | {', '.join(r.scenario.tags)} | {r.passes}/{len(r.scored)} "
                     f"| {failures} |")
    return "\n".join(lines) + "\n"
