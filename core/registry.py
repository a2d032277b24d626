"""The two ways a lower layer uses what a higher app provides, without importing it.

* ``Port``: one function the lower layer calls (record an audit entry, store an outbox job);
  exactly one app provides it, in its ``AppConfig.ready``.
* ``Registry``: named entries any number of apps add (outbox job kinds, GDPR exporters, hooks
  run when a message is posted); the lower layer looks them up or runs them all.

The call goes down; the behaviour is plugged in from above.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, ParamSpec, TypeVar

from django.core.exceptions import ImproperlyConfigured

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class Port(Generic[P, R]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._provider: Callable[P, R] | None = None

    def provide(self, provider: Callable[P, R]) -> Callable[P, R]:
        """Plug in the implementation (once; providing the same one again is harmless)."""
        if self._provider is not None and self._provider is not provider:
            raise ImproperlyConfigured(f"{self.name} is provided twice.")
        self._provider = provider
        return provider

    @property
    def provided(self) -> bool:
        return self._provider is not None

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._provider is None:
            raise ImproperlyConfigured(
                f"No installed app provides {self.name}; check INSTALLED_APPS."
            )
        return self._provider(*args, **kwargs)


class Registry(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[str, T] = {}

    def register(self, key: str, entry: T) -> T:
        """Add an entry under ``key`` (registering the same entry again is harmless)."""
        existing = self._entries.get(key)
        if existing is not None and existing is not entry:
            raise ImproperlyConfigured(f"{self.name}: '{key}' is registered twice.")
        self._entries[key] = entry
        return entry

    def get(self, key: str) -> T:
        try:
            return self._entries[key]
        except KeyError:
            raise ImproperlyConfigured(f"{self.name}: nothing registered as '{key}'.") from None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def values(self) -> list[T]:
        return list(self._entries.values())
