"""The WebSocket application: one consumer at /ws/ (it checks the path and authenticates the
handshake itself; see realtime.auth)."""

from .consumers import KringConsumer

websocket_application = KringConsumer.as_asgi()
