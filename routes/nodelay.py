"""Every connection to the server sends at once (TCP_NODELAY), as asyncio means it to.

asyncio sets TCP_NODELAY on a TCP connection only when the socket says it is TCP
(``proto == IPPROTO_TCP``). Streamlit binds its listening socket as ``socket.socket(family)``,
whose proto is 0, and every connection accepted from it inherits that 0: none of them got
TCP_NODELAY. A response is written as its head and then its body, and Nagle's algorithm held the
body of a small one until the browser acknowledged the head, which a browser delays by up to
40 ms. So every small file on a kept-alive connection (most of the 70 or so scripts Streamlit
loads for a page's elements, a map's tiles, an API answer) arrived 40 ms late, six at a time.

``send_without_delay()`` sets the option on each connection as uvicorn's HTTP protocol takes it
(a websocket upgraded from it keeps the option: it is the same socket). serve.py calls it when
uvicorn imports the app, before the server accepts its first connection.
"""

from __future__ import annotations

import functools
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

PROTOCOLS: list[type] = [H11Protocol]
try:  # uvicorn's other HTTP protocol, used instead of h11 where httptools is installed
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools is not among the requirements
    pass
else:  # pragma: no cover
    PROTOCOLS.append(HttpToolsProtocol)


def set_nodelay(transport) -> None:
    """TCP_NODELAY on the transport's socket, if it is a TCP one (not a Unix socket's)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def send_without_delay() -> None:
    """Every HTTP connection uvicorn accepts from now on gets TCP_NODELAY (once per class)."""
    for protocol in PROTOCOLS:
        made = protocol.connection_made
        if getattr(made, "sets_nodelay", False):
            continue

        @functools.wraps(made)
        def connection_made(self, transport, _made=made) -> None:
            set_nodelay(transport)
            _made(self, transport)

        connection_made.sets_nodelay = True  # type: ignore[attr-defined]
        protocol.connection_made = connection_made  # type: ignore[method-assign]
