"""`llmflation serve`: the local web dashboard and JSON API (FastAPI under uvicorn)."""

from __future__ import annotations

import typer

from llmflation.cli.output import info

ANY_ADDRESS = ("0.0.0.0", "::", "")


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
    allow_host: list[str] = typer.Option(
        [],
        "--allow-host",
        metavar="NAME",
        help="Also answer requests whose Host/Origin is NAME (repeatable; '*' = any). Loopback names always are; "
        "others are refused (DNS-rebinding guard). Also LLMFLATION_ALLOWED_HOSTS=a,b.",
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, max=64, metavar="N", help="Worker processes (default: the number of CPU cores)."
    ),
) -> None:
    """Start the dashboard and JSON API over the embedded store.

    Read-only unless LLMFLATION_API_TOKEN is set.
    """
    import os
    from dataclasses import replace

    import uvicorn

    from llmflation.ledger.store import Store
    from llmflation.web.settings import ALLOWED_HOSTS_ENV, LOOPBACK_HOSTS, TOKEN_ENV, WebSettings, normalise_host
    from llmflation.web.workers import APP, ServeError, Workers, reuse_port_supported

    if log_level not in ("critical", "error", "warning", "info", "debug", "trace"):
        raise typer.BadParameter(
            f"{log_level!r}: use debug, info, warning or error", param_hint="--log-level"
        )
    for name in allow_host:
        if not name.strip() or any(c in name for c in "/ \t,"):
            raise typer.BadParameter(f"{name!r} is not a host name", param_hint="--allow-host")
    settings = WebSettings.from_env()
    bound = [] if host in ANY_ADDRESS else [normalise_host(host)]
    hosts = tuple(dict.fromkeys((*settings.allowed_hosts, *bound, *(normalise_host(h) for h in allow_host))))
    settings = replace(settings, allowed_hosts=hosts)
    n = workers or os.cpu_count() or 1
    if host not in LOOPBACK_HOSTS:
        info(
            f"[yellow]Warning:[/] binding {host}: the dashboard is reachable from other machines"
            + (" and its writing endpoints accept anyone holding the token." if settings.writable else ".")
        )
        if host in ANY_ADDRESS and "*" not in hosts and hosts == LOOPBACK_HOSTS:
            info("Requests must name a loopback host; add the names clients use with --allow-host NAME.")
    Store(settings.ledger_path).ensure_current()  # migrate once here; the workers then only read the store
    from llmflation.web.http_protocol import http_option

    options = {"log_level": log_level, "server_header": False, "access_log": log_level in ("info", "debug", "trace"),
               "http": http_option()}
    group = None
    if n > 1 and reuse_port_supported():
        group = Workers(n, host, port, options)  # binds now: a taken port fails here, port 0 becomes a real one
        port = group.port
    mode = "read/write (token set)" if settings.writable else f"read-only (set {TOKEN_ENV} to enable writing)"
    shown = f"[{host}]" if ":" in host else host
    info(
        f"llmflation dashboard on http://{shown}:{port}/  ·  API docs /api/docs  ·  {mode}  ·  "
        f"{n} worker{'s' if n != 1 else ''}  ·  Ctrl-C stops"
    )
    if n == 1:
        from llmflation.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, **options)  # type: ignore[arg-type]
        return
    os.environ[ALLOWED_HOSTS_ENV] = ",".join(hosts)  # each worker rebuilds its settings from the environment
    if group is None:  # no SO_REUSEPORT here: uvicorn's workers, sharing one socket
        uvicorn.run(APP, factory=True, workers=n, host=host, port=port, **options)  # type: ignore[arg-type]
        return
    group.run()
    if group.failed:
        raise ServeError(group.failed)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
