"""The bound socket the collector's and the dashboard's uvicorn servers answer on."""

from __future__ import annotations

import socket


def listening_socket(host: str, port: int) -> socket.socket:
    """Bound and listening on (host, port); port 0 lets the OS pick one (read it from getsockname).

    IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on connections whose socket says so
    (accepted ones inherit it). Without it every reply waited ~40 ms for the peer's delayed ACK, since
    uvicorn writes a response's headers and body as two sends."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock
