"""Shared set-up of the chat tests: people in a community, and their conversations."""

from __future__ import annotations

from typing import Any

from django.test import Client

from chat import services
from tests.conftest import session_token_for


def client_for(user: Any) -> Client:
    return Client(HTTP_X_SESSION_TOKEN=session_token_for(user))


def conversation(actor: Any, *others: Any, title: str = "") -> Any:
    started, _created = services.conversation_start(
        actor=actor, user_ids=[o.pk for o in others], title=title
    )
    return started
