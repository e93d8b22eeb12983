"""The server's connections send at once (routes/nodelay.py): TCP_NODELAY on every connection
accepted from a listening socket bound the way Streamlit binds it."""

import asyncio
import socket

import pytest
import uvicorn
from streamlit.web.server.starlette.starlette_server import _bind_socket
from uvicorn.protocols.http.h11_impl import H11Protocol

from routes.nodelay import send_without_delay


async def _answer(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def _nodelay_of_a_connection() -> list[int]:
    """Serve on a socket from Streamlit's own binding, make two requests on one kept-alive
    connection, and read TCP_NODELAY of the server's side of it."""
    listening = _bind_socket("127.0.0.1", 0, 16)
    port = listening.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_answer, lifespan="off", log_level="warning", http="h11"))
    serving = asyncio.create_task(server.serve(sockets=[listening]))
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(2):
            writer.write(b"GET / HTTP/1.1\r\nHost: atlas\r\n\r\n")
            await writer.drain()
            assert (await reader.readuntil(b"ok")).startswith(b"HTTP/1.1 200")
        options = [
            connection.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            for connection in server.server_state.connections
        ]
        writer.close()
        return options
    finally:
        server.should_exit = True
        await serving
        listening.close()


@pytest.fixture()
def as_uvicorn_ships(monkeypatch):
    """H11Protocol's own connection_made, whatever an earlier test or import patched."""
    made = H11Protocol.connection_made
    monkeypatch.setattr(H11Protocol, "connection_made", getattr(made, "__wrapped__", made))


def test_a_connection_to_streamlits_socket_gets_no_nodelay_of_its_own(as_uvicorn_ships):
    # Why the fix exists: its socket's proto is 0, and asyncio sets the option only on IPPROTO_TCP
    # ones. If this fails, Streamlit binds its socket otherwise and routes/nodelay.py can go.
    assert asyncio.run(_nodelay_of_a_connection()) == [0]


def test_every_connection_sends_at_once_once_the_server_is_set(as_uvicorn_ships):
    send_without_delay()
    send_without_delay()  # a second call wraps nothing twice
    made = H11Protocol.connection_made
    assert made.sets_nodelay and not getattr(made.__wrapped__, "sets_nodelay", False)
    assert asyncio.run(_nodelay_of_a_connection()) == [1]


def test_the_served_app_sets_it_before_its_first_connection(as_uvicorn_ships):
    # uvicorn imports serve.py (its "serve:app") before it accepts anything.
    import importlib

    import serve

    importlib.reload(serve)
    assert H11Protocol.connection_made.sets_nodelay
