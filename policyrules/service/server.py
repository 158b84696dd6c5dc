"""Running the app under uvicorn (h11) with the limits the app cannot see: a deadline for a
connection's request line and headers (uvicorn has none before the first request), the idle
timeout between requests, a listen backlog that holds a burst of connections."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from policyrules.service.app import Settings


class GuardedH11Protocol(H11Protocol):
    """h11 with a header deadline (a connection that has not sent a whole request head within
    ``header_timeout`` seconds of connecting, or of its last response, is closed) and
    TCP_NODELAY on every connection."""

    header_timeout = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # asyncio sets it only on sockets it created itself: without it, a response written
            # in two parts waits ~40 ms for the client's delayed ACK (Nagle)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def _arm(self) -> None:
        self.loop.call_later(self.header_timeout, self._expire, self.cycle)

    def _expire(self, cycle: Any) -> None:
        idle = cycle is None or cycle.response_complete
        if self.cycle is cycle and idle and not self.transport.is_closing():
            self.transport.close()


def config(app: Any, host: str, port: int, settings: Settings, sock: socket.socket | None = None) -> uvicorn.Config:
    protocol = type("GuardedH11", (GuardedH11Protocol,), {"header_timeout": settings.header_timeout})
    return uvicorn.Config(app, host=host, port=port, http=protocol, lifespan="on", backlog=2048,
                          timeout_keep_alive=settings.idle_timeout, log_level="warning", access_log=False,
                          h11_max_incomplete_event_size=64 * 1024, server_header=False, date_header=True,
                          timeout_graceful_shutdown=5)


def run(app: Any, host: str, port: int, settings: Settings) -> None:
    """Serve until interrupted (SIGINT/SIGTERM stop gracefully)."""
    uvicorn.Server(config(app, host, port, settings)).run()
