"""SAML 2.0 sign-in is configured from settings and works as far as a service provider can
go alone: a real server reads the school's IdP metadata from a local HTTP server (as it
would from the IdP), publishes its own SP metadata, and sends a teacher to the IdP with a
SAML AuthnRequest. (Answering with a signed assertion would need an IdP; the OpenID Connect
test signs a teacher in end to end.)"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.conftest import start_daphne, stop_daphne

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
pytest.importorskip("onelogin.saml2", reason="the saml extra is not installed")

ENTITY = "https://idp.school.example/saml"


def certificate() -> str:
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.school.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return "".join(line for line in pem.splitlines() if "CERTIFICATE" not in line)


def idp_metadata(sso_url: str) -> bytes:
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{ENTITY}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{certificate()}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="{sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>""".encode()


@pytest.fixture
def idp():
    state = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body = state["metadata"]
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    state["metadata"] = idp_metadata(f"{base}/sso")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base
    server.shutdown()


def test_kring_publishes_sp_metadata_and_sends_teachers_to_the_school_idp(idp):
    config = [{"id": "school", "name": "School login (SAML)", "entity_id": ENTITY,
               "metadata_url": f"{idp}/metadata"}]  # fmt: skip
    kring = start_daphne({"KRING_SAML_PROVIDERS": json.dumps(config)}, log_name="saml")
    try:
        session = requests.Session()
        metadata = session.get(f"{kring.url}/accounts/saml/school/metadata/", timeout=10)
        assert metadata.status_code == 200, kring.log()
        assert b"SPSSODescriptor" in metadata.content
        assert f"{kring.url}/accounts/saml/school/acs/".encode() in metadata.content
        page = session.get(f"{kring.url}/accounts/login/", timeout=10)
        assert "School login (SAML)" in page.text
        answer = session.post(
            f"{kring.url}/accounts/saml/school/login/?process=login",
            data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
            headers={"Referer": f"{kring.url}/accounts/login/"},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert answer.status_code == 302, (answer.status_code, kring.log())
        target = urlsplit(answer.headers["Location"])
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"{idp}/sso"
        request = zlib.decompress(base64.b64decode(parse_qs(target.query)["SAMLRequest"][0]), -15)
        assert b"AuthnRequest" in request
        assert f"{kring.url}/accounts/saml/school/acs/".encode() in request
    finally:
        stop_daphne(kring)
