"""``dsadmin eval``: score the agent on scenario files against fresh sandboxes.

Only typer is imported here; the runner, the sandbox and the agent load inside the command so
``dsadmin --help`` stays fast. Exit codes: 0 when the run completed without a policy violation
(failed scenarios are figures, not errors), 1 when any trial reached a forbidden state or when
not a single trial could be scored (the infrastructure failed every time), 2 when the command or a
scenario file is unusable.
"""

from pathlib import Path

import typer

BACKENDS = ("offline", "anthropic", "scripted")


def _default_scenarios() -> Path:
    import evals.scenarios

    return Path(evals.scenarios.__file__).resolve().parent


def register(app: typer.Typer) -> None:
    """Add ``eval`` to the root ``dsadmin`` app."""

    @app.command("eval")
    def eval_command(
        paths: list[Path] | None = typer.Argument(
            None, help="Scenario files or folders (default: the scenarios shipped in evals/scenarios)."),
        backend: str = typer.Option(
            "offline", "--backend", help="Model backend: offline, anthropic or scripted."),
        trials: int = typer.Option(
            1, "--trials", "-k", min=1, max=50, help="Trials per scenario (pass^1..pass^K)."),
        tags: list[str] | None = typer.Option(
            None, "--tags", help="Run only scenarios with any of these tags (repeat or comma-separate)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
        report: Path | None = typer.Option(
            None, "--report", help="Also write a markdown report to this file."),
        scripts: Path | None = typer.Option(
            None, "--scripts",
            help="scripted backend: folder of model scripts, one per scenario, named <scenario id>.yaml."),
        channel: str = typer.Option(
            "direct", "--channel",
            help="direct (the conversation itself) or slack (every turn through the Slack app)."),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Plan and decide every write with its preview; write nothing "
            "(scenarios that expect a change then fail)."),
    ) -> None:
        """Run scenarios (each trial on a fresh sandbox and store) and report pass^k, policy violations,
        attack success, over-refusals and cost. Exit 1 if any policy violation occurred."""
        import json

        from evals.harness import AgentHarness, HarnessError
        from evals.report import markdown, print_summary
        from evals.runner import Harness, check_setups, run
        from evals.scenario import ScenarioError, load_scenarios

        if channel not in ("direct", "slack"):
            raise typer.BadParameter(f"unknown channel {channel!r}; use direct or slack",
                                     param_hint="--channel")
        if backend not in BACKENDS:
            raise typer.BadParameter(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}",
                                     param_hint="--backend")
        wanted = [t for item in (tags or []) for t in item.split(",") if t.strip()]
        try:
            scenarios = load_scenarios(list(paths or [_default_scenarios()]), tags=wanted)
            if not scenarios:
                raise ScenarioError("no scenario matches" + (f" tags {', '.join(wanted)}" if wanted else ""))
            check_setups(scenarios)
            agent_harness: AgentHarness
            if channel == "slack":
                from evals.slack_channel import SlackHarness

                agent_harness = SlackHarness(backend, scripts=scripts)
            else:
                agent_harness = AgentHarness(backend, scripts=scripts)
            agent_harness.dry_run = dry_run
            agent_harness.check(scenarios)
        except (ScenarioError, HarnessError) as exc:
            typer.echo(f"dsadmin eval: {exc}", err=True)
            raise typer.Exit(2) from None

        progress = None
        if not as_json:
            def progress(scenario, i, trial) -> None:
                mark = "infra" if trial.infra_error else ("pass" if trial.passed else "FAIL")
                if trial.verdict.violations:
                    mark = "VIOLATION"
                typer.echo(f"  {scenario.id} [{i}/{trials}] {mark}", err=True)

        ledger = None
        harness: Harness = agent_harness
        if backend == "anthropic":  # Claude costs money: meter tokens and dollars per scenario
            from evals.model_cost import Ledger, MeteredHarness, cost_usd, print_costs

            ledger = Ledger()
            harness = MeteredHarness(agent_harness, ledger)
        summary = run(scenarios, harness, trials=trials, progress=progress)
        if as_json:
            data = summary.as_json()
            if ledger is not None:
                model = agent_harness.config.model.name  # the metered harness wraps this one
                data["model_usage"] = {sid: {**u, "cost_usd": cost_usd(model, u)}
                                       for sid, u in ledger.usage.items()}
            typer.echo(json.dumps(data, indent=2))
        else:
            print_summary(summary, backend)
            if ledger is not None:
                print_costs(summary, ledger, agent_harness.config.model.name, typer.echo)
        if report is not None:
            shown = " ".join(str(p) for p in paths or []) or "evals/scenarios"
            command = f"dsadmin eval {shown} --backend {backend} --trials {trials}" + (
                f" --tags {','.join(wanted)}" if wanted else "")
            report.write_text(markdown(summary, backend, command), encoding="utf-8")
        if summary.policy_violations:
            typer.echo(f"dsadmin eval: {summary.policy_violations} trial(s) reached a forbidden state",
                       err=True)
            raise typer.Exit(1)
        if not any(r.scored for r in summary.results):
            typer.echo("dsadmin eval: no trial could be scored; every one failed on infrastructure "
                       "(see the failures above)", err=True)
            raise typer.Exit(1)
