"""The VAPID key: generated offline, checked at start-up, its public half what browsers get."""

from __future__ import annotations

import io
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.test import override_settings

from delivery.push import keys
from tests.push_service import unb64url


def test_the_command_prints_a_new_key_and_its_public_half():
    out = io.StringIO()
    call_command("vapid_key", stdout=out)
    lines = out.getvalue().splitlines()
    private = lines[0].removeprefix("KRING_VAPID_PRIVATE_KEY=")
    public = lines[1].rsplit(" ", 1)[-1]

    assert len(unb64url(private)) == 32
    assert keys.public_key(private) == public
    point = unb64url(public)
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)  # a real P-256 point
    with override_settings(KRING_VAPID_PRIVATE_KEY=private):
        assert keys.public_key() == public and keys.check_vapid_key() == []


def test_a_key_that_cannot_sign_is_reported_at_start_up():
    with override_settings(KRING_VAPID_PRIVATE_KEY="not-a-key"):
        (error,) = keys.check_vapid_key()
    assert error.id == "kring.E101"
    with override_settings(KRING_VAPID_SUBJECT="noreply@kring.example.eu"):
        (error,) = keys.check_vapid_key()
    assert error.id == "kring.E102"


def test_tests_and_make_run_sign_with_a_generated_key(settings):
    if os.environ.get("KRING_VAPID_PRIVATE_KEY"):
        pytest.skip("a key is set in this environment")
    assert (
        settings.BASE_DIR / ".vapid_key"
    ).read_text().strip() == settings.KRING_VAPID_PRIVATE_KEY
    assert keys.check_vapid_key_is_configured()[0].id == "kring.W101"
