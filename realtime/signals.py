"""Sessions that end take their open sockets with them."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from core.emitters import session_ended_on_commit


@receiver(user_logged_out)
def close_sockets_of_logged_out_session(
    sender: Any, request: Any, user: Any, **kwargs: Any
) -> None:
    if user is not None:
        session_key = getattr(getattr(request, "session", None), "session_key", None)
        session_ended_on_commit(user.pk, session_key)


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def close_sockets_after_password_change(
    sender: Any, request: Any, user: Any, **kwargs: Any
) -> None:
    # Every other session of the user is invalid now (Django's session auth hash changed).
    session_ended_on_commit(user.pk)
