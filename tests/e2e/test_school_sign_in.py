"""School sign-in end to end: a real daphne configured with a generic OpenID Connect provider
(a regional identity federation), which is a real local provider the test runs
(tests/oidc_provider.py). A teacher starts on Kring's login page, is sent to the provider,
comes back signed in, and the JSON API knows who they are."""

from __future__ import annotations

import json
import re

import pytest
import requests
from allauth.socialaccount.models import SocialAccount

from community.models import User
from tests.conftest import start_daphne, stop_daphne
from tests.oidc_provider import Person, Provider, serve

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def federation():
    provider = Provider(
        client_id="kring-test",
        client_secret="federation-secret",
        person=Person(
            sub="teacher-4711", email="anna.devries@school.example", name="Anna de Vries"
        ),
    )
    server = serve(provider)
    yield provider
    server.shutdown()


@pytest.fixture
def kring(federation):
    config = [{
        "id": "eduid", "name": "Regional school login", "server_url": federation.issuer,
        "client_id": federation.client_id, "secret": federation.client_secret,
    }]  # fmt: skip
    live = start_daphne({"KRING_OIDC_PROVIDERS": json.dumps(config)}, log_name="oidc")
    yield live
    stop_daphne(live)


def csrf(session: requests.Session, html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else session.cookies["csrftoken"]


def test_a_teacher_signs_in_through_the_regional_identity_provider(kring, federation):
    session = requests.Session()
    # given Kring's login page, which offers the school login
    page = session.get(f"{kring.url}/accounts/login/", timeout=10)
    assert page.status_code == 200 and "Regional school login" in page.text
    form = re.search(r'<form[^>]+action="(/accounts/oidc/eduid/login/[^"]*)"', page.text)
    action = form.group(1).replace("&amp;", "&") if form else "/accounts/oidc/eduid/login/"
    # when the teacher chooses it (the provider signs her in and sends her back)
    answer = session.post(
        f"{kring.url}{action}", data={"csrfmiddlewaretoken": csrf(session, page.text)},
        headers={"Referer": f"{kring.url}/accounts/login/"}, timeout=10,
    )  # fmt: skip
    assert answer.status_code == 200, (answer.url, answer.text[:500], kring.log())
    if "/3rdparty/signup" in answer.url:  # first visit: Kring asks for the name to show
        answer = session.post(
            answer.url,
            data={"csrfmiddlewaretoken": csrf(session, answer.text),
                  "email": "anna.devries@school.example", "display_name": "Anna de Vries"},
            headers={"Referer": answer.url}, timeout=10,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text[:500]
    # then she is signed in on Kring, as the provider's person
    me = session.get(f"{kring.url}/api/me", timeout=10)
    assert me.status_code == 200, (me.text, kring.log())
    assert me.json()["email"] == "anna.devries@school.example"
    user = User.objects.get(email="anna.devries@school.example")
    account = SocialAccount.objects.get(user=user)
    assert (account.provider, account.uid) == ("eduid", "teacher-4711")
    # and the code was used once: the provider has no grant left to replay
    assert federation.codes == {}


def test_a_wrong_client_secret_signs_nobody_in(federation):
    config = [{
        "id": "eduid", "name": "Regional school login", "server_url": federation.issuer,
        "client_id": federation.client_id, "secret": "not-the-secret",
    }]  # fmt: skip
    live = start_daphne({"KRING_OIDC_PROVIDERS": json.dumps(config)}, log_name="oidc-bad")
    try:
        session = requests.Session()
        page = session.get(f"{live.url}/accounts/login/", timeout=10)
        answer = session.post(
            f"{live.url}/accounts/oidc/eduid/login/?process=login",
            data={"csrfmiddlewaretoken": csrf(session, page.text)},
            headers={"Referer": f"{live.url}/accounts/login/"}, timeout=10,
        )  # fmt: skip
        assert answer.status_code < 500
        assert session.get(f"{live.url}/api/me", timeout=10).status_code == 401
        assert not User.objects.filter(email="anna.devries@school.example").exists()
    finally:
        stop_daphne(live)


def test_a_school_login_does_not_take_over_an_existing_account_with_the_same_address(kring):
    from tests.factories import UserFactory

    existing = UserFactory(email="anna.devries@school.example")
    session = requests.Session()
    page = session.get(f"{kring.url}/accounts/login/", timeout=10)
    session.post(
        f"{kring.url}/accounts/oidc/eduid/login/?process=login",
        data={"csrfmiddlewaretoken": csrf(session, page.text)},
        headers={"Referer": f"{kring.url}/accounts/login/"}, timeout=10,
    )  # fmt: skip
    # not signed in as the existing teacher, and no school account linked to her
    me = session.get(f"{kring.url}/api/me", timeout=10)
    assert me.status_code == 401 or me.json()["id"] != existing.pk
    assert not SocialAccount.objects.filter(user=existing).exists()
