"""What every JSON API error looks like: ``{"error": code, "detail": text}``."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    error: str
    detail: str


# The error answers an endpoint may give, for its OpenAPI description.
ERRORS: dict[int, type] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    429: ErrorOut,
}
