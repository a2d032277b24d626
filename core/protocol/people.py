"""How a person appears to others: in frames, API answers, notifications and JSON-LD."""

from __future__ import annotations

from typing import Any, Protocol

from .base import Shape

DELETED_USER_NAME = "Deleted user"


class Person(Protocol):
    """What the protocol needs of a user (the community app's ``User``)."""

    pk: Any
    handle: str | None

    @property
    def public_name(self) -> str: ...


class AuthorOut(Shape):
    id: int | None
    name: str
    # For @mentions; null for a deleted user.
    handle: str | None = None


def author_out(user: Person | None) -> AuthorOut:
    """A person as others see them; ``None`` (an erased account) is "Deleted user"."""
    if user is None:
        return AuthorOut(id=None, name=DELETED_USER_NAME)
    return AuthorOut(id=user.pk, name=str(user.public_name), handle=user.handle)
