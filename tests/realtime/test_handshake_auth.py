"""Who a session token or cookie signs in, on the socket's fast path (realtime/auth.py reads
the session and the user with written-out queries): the same answers as Django's
``get_user``, which still decides every case the fast path does not accept itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from core.sessions import SessionStore
from realtime.auth import _users_of_handshakes, _verified_user, user_for_session_token
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


def test_handshakes_read_together_are_answered_as_one_by_one(settings):
    """Tokens and cookies of: a teacher (twice: two tabs), another teacher, an unknown key, an
    expired session, a changed password, a deactivated account, a session from a rotated
    secret (Django re-signs it under a new key) and one without a hash."""
    rotated = UserFactory()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    rotated_token = session_token_for(rotated)
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-0123456789"
    anouk, jan, changed, deactivated, hashless = UserFactory.create_batch(5)
    anouk_token, jan_cookie = session_token_for(anouk), session_token_for(jan)
    expired = session_token_for(jan)
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now() - timedelta(1))
    changed_token, deactivated_token = session_token_for(changed), session_token_for(deactivated)
    changed.set_password("a new passphrase for Kring")
    changed.save()
    deactivated.is_active = False
    deactivated.save()
    hashless_token = session_token_for(hashless)
    session = SessionStore(session_key=hashless_token)
    del session[HASH_SESSION_KEY]
    session.save()
    handshakes = [
        (True, anouk_token), (False, jan_cookie), (True, "nosuchsessionkey0"), (True, expired),
        (True, changed_token), (False, deactivated_token), (True, anouk_token),
        (True, rotated_token), (True, hashless_token),
    ]  # fmt: skip
    statements: list[tuple[str, str]] = []

    def record(execute, sql, params, many, context):
        statements.append((sql, str(params)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        found = _users_of_handshakes(handshakes)
    # the sessions in one query, their users in another; the four sessions the fast path does
    # not accept are Django's to decide, as one by one (their user, and a flush or a re-sign)
    assert all(key in statements[0][1] for _is_token, key in handshakes), statements[0]
    assert sum('SELECT u."id"' in sql for sql, _params in statements) == 1
    assert found[:7] == [
        (anouk, anouk_token), (jan, jan_cookie), (None, None), (None, None), (None, None),
        (None, None), (anouk, anouk_token),
    ]  # fmt: skip
    assert found[7][0] == rotated and found[7][1] not in (None, rotated_token)
    assert found[8] == (None, None)
    assert found[0][0] is not found[6][0]  # each socket its own user object
    # one by one (the usual path for a lone handshake) says the same
    assert user_for_session_token(anouk_token) == anouk
    assert user_for_session_token(changed_token) is None


@pytest.mark.parametrize(
    "engine",
    [
        "django.contrib.sessions.backends.db",  # another engine: no load_many
        "tests.realtime.sessions_failing_together",  # reading together fails
    ],
)
def test_handshakes_are_read_alone_where_they_cannot_be_read_together(settings, engine):
    settings.SESSION_ENGINE = engine
    user = UserFactory()
    token = session_token_for(user)
    assert _users_of_handshakes([(True, token), (False, token), (True, "unknown-key")]) == [
        (user, token), (user, token), (None, None),
    ]  # fmt: skip


def test_a_key_no_session_could_have_is_not_looked_up_and_fails_no_one_else():
    user = UserFactory()
    token = session_token_for(user)
    found = _users_of_handshakes(
        [(True, "bad\x00key-" + "x" * 30), (True, token), (True, "ü" * 32)]
    )
    assert found == [(None, None), (user, token), (None, None)]


def test_many_handshakes_are_read_in_bounded_queries(settings):
    settings.KRING_HANDSHAKES_READ_TOGETHER = 2
    users = UserFactory.create_batch(5)
    tokens = [session_token_for(user) for user in users]
    session_reads: list[str] = []

    def record(execute, sql, params, many, context):
        session_reads.extend([sql] if "django_session" in sql else [])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        found = _users_of_handshakes([(True, token) for token in tokens])
    assert found == list(zip(users, tokens, strict=True))
    assert len(session_reads) == 3  # 2 + 2 + 1
