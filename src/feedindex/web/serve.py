"""Running the service: `serve(config)` under uvicorn (one process, or a supervisor and its
workers), with the line it starts with and uvicorn's logging."""

from __future__ import annotations

import inspect
import socket
from collections.abc import Callable
from functools import partial
from typing import Any

from ..config import Config
from ..errors import SearchIndexError
from ..index.generations import current_generation, read_meta
from .server import create_app


def serving_line(config: Config, host: str, port: int, workers: int) -> str:
    """What `feedindex serve` says when it starts: where it listens and which index it serves."""
    address = f"[{host}]" if ":" in host else host
    try:
        generation = current_generation(config.index_dir)
        meta = read_meta(generation)
        documents = meta.get("documents", "?")
        index = f"index generation {generation.name} ({documents} article{'' if documents == 1 else 's'})"
    except SearchIndexError as error:
        index = f"no index yet ({error}); searches answer 503 until a build publishes one"
    plural = "s" if workers != 1 else ""
    return f"feedindex serving http://{address}:{port}/ with {workers} worker{plural}: {index}"


def uvicorn_logging(access_log: bool) -> dict[str, Any]:
    """uvicorn's logging configuration with its own messages at warning level and, when asked
    for, its access log (uvicorn's format, on stdout)."""
    from uvicorn.config import LOGGING_CONFIG

    loggers = {name: dict(settings) for name, settings in LOGGING_CONFIG["loggers"].items()}
    loggers["uvicorn"]["level"] = loggers["uvicorn.error"]["level"] = "WARNING"
    loggers["uvicorn.access"]["level"] = "INFO" if access_log else "WARNING"
    return {**LOGGING_CONFIG, "loggers": loggers}


def serve(
    config: Config,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    access_log: bool = False,
    on_start: Callable[[str], None] | None = None,
) -> None:
    """Serve the site of `config` under uvicorn until stopped: on `host`, `port` with `workers`
    processes (default: `[server]`); `on_start` is told where it listens (`serving_line`)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    host = host or config.server.host
    port = port or config.server.port
    workers = workers or config.server.workers
    if on_start is not None:
        on_start(serving_line(config, host, port, workers))
    settings: dict[str, Any] = {
        "factory": True,
        "host": host,
        "port": port,
        "workers": workers,
        "log_config": uvicorn_logging(access_log),
        "access_log": access_log,
        "proxy_headers": True,
        "server_header": False,
    }
    # Each worker process (spawned, not forked) builds the application from this configuration,
    # given whole: nothing goes through the environment.
    factory = partial(create_app, config)
    if workers == 1:
        uvicorn.run(factory, **settings)
        return
    server_config = uvicorn.Config(factory, **settings)
    sockets = [tcp_listener(server_config)]
    if "target" in inspect.signature(Multiprocess).parameters:  # older uvicorn: the server's run too
        run_server = uvicorn.Server(server_config).run
        Multiprocess(server_config, target=run_server, sockets=sockets).run()  # type: ignore[call-arg]
    else:
        Multiprocess(server_config, sockets=sockets).run()


def tcp_listener(server_config: Any) -> socket.socket:
    """uvicorn's listening socket for several workers, marked as TCP.

    uvicorn binds it with protocol 0, which the accepted connections inherit, and asyncio then
    leaves Nagle's algorithm on (uvicorn issue #3149): every keep-alive response waited about
    40 ms for the client's delayed ACK, so two workers answered 160 requests/s where one answered
    2,000. The same socket, said to be TCP, gets TCP_NODELAY on every connection.
    """
    bound = server_config.bind_socket()
    return socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
