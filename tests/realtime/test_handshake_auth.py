"""Who a session token or cookie signs in, on the socket's fast path (realtime/auth.py reads
the session and the user with written-out queries): the same answers as Django's
``get_user``, which still decides every case the fast path does not accept itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.sessions import SessionStore
from realtime.auth import _verified_user, user_for_session_token
from tests.conftest import session_token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_signed_in_session_gives_its_user_with_every_field():
    user = UserFactory(display_name="Anouk de Vries", language="nl")
    found = user_for_session_token(session_token_for(user))
    assert found == user
    assert (found.display_name, found.language, found.email) == ("Anouk de Vries", "nl", user.email)
    # The usual case is answered by the fast path itself, not handed to Django.
    assert _verified_user(SessionStore(session_key=session_token_for(user))) == user


def test_unknown_and_expired_sessions_sign_in_nobody():
    user = UserFactory()
    token = session_token_for(user)
    assert user_for_session_token("no-such-session") is None
    Session.objects.filter(session_key=token).update(expire_date=timezone.now() - timedelta(1))
    assert user_for_session_token(token) is None


def test_a_changed_password_or_a_deactivated_account_signs_the_session_out():
    changed, deactivated = UserFactory(), UserFactory()
    changed_token, deactivated_token = session_token_for(changed), session_token_for(deactivated)
    changed.set_password("a new passphrase for Kring")
    changed.save()
    deactivated.is_active = False
    deactivated.save()
    assert user_for_session_token(changed_token) is None
    assert user_for_session_token(deactivated_token) is None


def test_a_session_from_a_rotated_secret_key_still_signs_in(settings):
    user = UserFactory()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    old_hash = user.get_session_auth_hash()
    token = session_token_for(user)
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-0123456789"
    assert user.get_session_auth_hash() != old_hash
    # Django's get_user decides this one: it accepts the fallback and re-signs the session.
    assert user_for_session_token(token) == user


def test_a_session_without_a_hash_is_refused():
    user = UserFactory()
    token = session_token_for(user)
    session = SessionStore(session_key=token)
    del session[HASH_SESSION_KEY]
    session.save()
    assert user_for_session_token(token) is None
