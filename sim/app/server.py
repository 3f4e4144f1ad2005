"""The web server of `python run.py demo`: Solara's app serving `sim.app.page`.

It listens on one address (127.0.0.1 unless told otherwise, so that only this computer can
open the page), says where once it is ready, and runs until interrupted. Solara's telemetry is
switched off, and with the `solara-assets` package (in the `demo` extra) the page's scripts and
fonts are served from this computer: the demo works without a network.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
import warnings
from collections.abc import Callable

from sim.app.scenarios import SCENARIO_VARIABLE

EXTRA = 'pip install -e ".[demo]"'
"""How to install what the demo needs."""

NEEDED = ("solara", "uvicorn", "networkx", "altair", "matplotlib")
"""The modules the page imports (Mesa's visualisation needs networkx and altair)."""


class ServeError(Exception):
    """The demo cannot listen where it was asked to (the message says why)."""


def missing() -> str | None:
    """The first module of the `demo` extra that is not installed, or None."""
    for name in NEEDED:
        if importlib.util.find_spec(name) is None:
            return name
    return None


def address(host: str, port: int) -> str:
    """The page's address, e.g. http://127.0.0.1:8765/ (an IPv6 host in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host` and `port` (0: a free port), ready to hand to the server.

    Raises:
        ServeError: if the address cannot be had (in use, not this computer's, not an address).
    """
    try:
        family, kind, proto, _, where = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise ServeError(f"--host {host}: not an address of this computer ({error})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(where)
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        raise ServeError(f"cannot listen on {host} port {port}: {reason}") from None
    sock.set_inheritable(True)
    return sock


def serve(
    scenario: str, host: str = "127.0.0.1", port: int = 8765, say: Callable[[str], None] = print
) -> None:
    """Serve the demo opening `scenario` until interrupted (Ctrl-C).

    `say` is told the address once the page can be opened.

    Raises:
        ServeError: if the address cannot be had.
    """
    os.environ[SCENARIO_VARIABLE] = scenario
    os.environ["SOLARA_APP"] = "sim.app.page"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    sock = listen(host, port)
    port = sock.getsockname()[1]
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    warnings.filterwarnings("ignore", message="Cookies with samesite")
    warnings.filterwarnings("ignore", module="solara.validate_hooks")  # about Mesa's own hooks
    import uvicorn  # after the environment is set: Solara reads its settings on import

    config = uvicorn.Config("solara.server.starlette:app", log_level="warning", access_log=False)
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            wide = (
                ""
                if host in ("127.0.0.1", "localhost", "::1")
                else (" (other computers on the network can open it too)")
            )
            say(f"The demo runs at {address(host, port)}{wide}; Ctrl-C stops it.")

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
