"""``lianjian serve``: the workbench on uvicorn. Sessions, throttles, form secrets and the
audit trail live in Neo4j, so ``--workers N`` processes (or hosts behind a proxy) share
them; one process is bound to one core by Python's GIL, several use the machine's cores."""
from __future__ import annotations

from typing import Optional

import typer


def serve(host: Optional[str] = typer.Option(None, "--host", help="Address to listen on "
                                             "(default 127.0.0.1: this machine only)"),
          port: Optional[int] = typer.Option(None, "--port", min=1, max=65535,
                                             help="Port (default 8000)"),
          workers: int = typer.Option(1, "--workers", min=1, max=64,
                                      help="Worker processes (default 1; about one per core "
                                           "the app may use)")) -> None:
    """Serve the investigators' workbench until Ctrl-C."""
    import uvicorn

    from graph.connection import connect
    from graph.settings import get_settings
    from web.app import UVICORN_OPTIONS, create_app

    settings = get_settings()
    host, port = host or settings.web_host, port or settings.web_port
    with connect(settings) as connection:
        connection.server_info()   # asked once, no retries: one line now if it is down
        if settings.cookie_secure and host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo("note: cookies are Secure: browsers other than on this machine need "
                       "HTTPS (put a TLS reverse proxy in front)", err=True)
        typer.echo(f"Lianjian workbench on http://{host}:{port}/ (Ctrl-C stops it)")
        if workers > 1:     # each worker imports the app and opens its own connection
            uvicorn.run("web.app:served_app", factory=True, workers=workers, host=host,
                        port=port, log_level="info", **UVICORN_OPTIONS)
            return
        uvicorn.run(create_app(settings, connection, warm=True), host=host, port=port,
                    log_level="info",
                    **UVICORN_OPTIONS)
