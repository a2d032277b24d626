"""Domain errors raised by services. Each edge (API, socket, page) translates them in one place:
``code`` becomes the error frame's code or the JSON error's ``error``, ``status`` the HTTP status.
"""

from __future__ import annotations


class KringError(Exception):
    code = "bad_request"
    status = 400

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        # A lazy translation is rendered now, in the language active for this request/socket.
        detail = str(detail)
        super().__init__(detail)
        self.detail = detail
        # The input it is about (``slug``, ``countries``...), so a form shows it next to it.
        self.field = field


class Invalid(KringError):
    code = "bad_request"
    status = 400


class Forbidden(KringError):
    code = "forbidden"
    status = 403


class NotFound(KringError):
    code = "not_found"
    status = 404


class Conflict(KringError):
    code = "conflict"
    status = 409


class Gone(KringError):
    code = "gone"
    status = 410


class TooLarge(KringError):
    code = "too_large"
    status = 413


class RateLimited(KringError):
    code = "rate_limited"
    status = 429

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
