"""``dsadmin slack serve|manifest``: run the Slack app, or print the manifest that creates it.

Only typer is imported at module level, so ``dsadmin --help`` stays fast.
"""

from pathlib import Path

import typer

app = typer.Typer(help="The Slack app: employees ask in a DM, approvers decide with a button.",
                  no_args_is_help=True)


@app.command("manifest")
def manifest() -> None:
    """Print the app manifest (scopes, events, interactivity) to create the Slack app in one step."""
    # the manifest belongs to the Slack channel (agent/channels/slack), not to this command module
    typer.echo((Path(__file__).parents[1] / "slack" / "manifest.yaml").read_text(encoding="utf-8"))


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(3000, "--port", min=1, max=65535, help="Port for /slack/events."),
    socket_mode: bool = typer.Option(
        False, "--socket-mode", help="Connect out to Slack instead of listening."
    ),
) -> None:
    """Serve /slack/events (or socket mode) with the tokens from the environment."""
    from agent.channels.cli.ask import _fail, _runtime
    from agent.channels.slack.web import SlackSetupError, asgi_app, run_socket_mode, slack_app

    with _runtime() as rt:
        try:
            bolt = slack_app(rt)
            if socket_mode:
                run_socket_mode(rt, bolt)  # run `dsadmin notify run` (cron) or `dsadmin serve` for notices
                return
        except SlackSetupError as exc:
            raise _fail(str(exc), 2) from None
        import threading

        import uvicorn

        from agent.channels.notify.worker import run_forever

        stop = threading.Event()  # the outbox worker: approvers' buttons, requesters' news
        worker = threading.Thread(target=run_forever, args=(rt, stop), daemon=True, name="dsadmin-notify")
        worker.start()
        typer.echo(f"Slack events at http://{host}:{port}/slack/events")
        try:
            uvicorn.run(asgi_app(bolt), host=host, port=port, log_level="warning")
        finally:
            stop.set()
            worker.join(timeout=10)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="slack", help="The Slack app (DMs, approval buttons).")
