"""`llmflation serve`: the local web dashboard and JSON API (FastAPI under uvicorn)."""

from __future__ import annotations

import typer

from llmflation.cli.output import info


def serve(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to bind. Loopback by default; anything else exposes the dashboard to your network.",
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port (0 = any free port)."),
    log_level: str = typer.Option(
        "warning", "--log-level", help="uvicorn log level (debug, info, warning, error)."
    ),
) -> None:
    """Start the dashboard and JSON API over the embedded store.

    Read-only unless LLMFLATION_API_TOKEN is set.
    """
    import uvicorn

    from llmflation.web.app import create_app
    from llmflation.web.settings import LOOPBACK_HOSTS, TOKEN_ENV, WebSettings

    if log_level not in ("critical", "error", "warning", "info", "debug", "trace"):
        raise typer.BadParameter(
            f"{log_level!r}: use debug, info, warning or error", param_hint="--log-level"
        )
    settings = WebSettings.from_env()
    if host not in LOOPBACK_HOSTS:
        info(
            f"[yellow]Warning:[/] binding {host}: the dashboard is reachable from other machines"
            + (" and its writing endpoints accept anyone holding the token." if settings.writable else ".")
        )
    app = create_app(settings)
    mode = "read/write (token set)" if settings.writable else f"read-only (set {TOKEN_ENV} to enable writing)"
    shown = f"[{host}]" if ":" in host else host
    info(f"llmflation dashboard on http://{shown}:{port}/  ·  API docs /api/docs  ·  {mode}  ·  Ctrl-C stops")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=log_level in ("info", "debug", "trace"),
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
