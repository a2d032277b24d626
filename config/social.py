"""Which school sign-in providers the environment configures (read by settings, so no
models here; the adapters are in ``config.accounts``)."""

from __future__ import annotations

import json
from typing import Any


def social_providers(env: Any) -> tuple[list[str], dict[str, Any]]:
    """The allauth provider apps and ``SOCIALACCOUNT_PROVIDERS`` that the environment
    configures; providers without credentials are left out entirely."""
    apps: list[str] = []
    providers: dict[str, Any] = {}
    if env.str("KRING_MICROSOFT_CLIENT_ID", default=""):
        apps.append("allauth.socialaccount.providers.microsoft")
        providers["microsoft"] = {
            "APPS": [{
                "client_id": env.str("KRING_MICROSOFT_CLIENT_ID"),
                "secret": env.str("KRING_MICROSOFT_SECRET", default=""),
                # a tenant id or domain: only that school board's accounts can sign in
                "settings": {"tenant": env.str("KRING_MICROSOFT_TENANT", default="organizations")},
            }],
        }  # fmt: skip
    if env.str("KRING_GOOGLE_CLIENT_ID", default=""):
        apps.append("allauth.socialaccount.providers.google")
        hosted = env.list("KRING_GOOGLE_HOSTED_DOMAINS", default=[])
        providers["google"] = {
            "APPS": [{"client_id": env.str("KRING_GOOGLE_CLIENT_ID"),
                      "secret": env.str("KRING_GOOGLE_SECRET", default="")}],
            "SCOPE": ["openid", "email", "profile"],
            "AUTH_PARAMS": {"hd": hosted[0] if len(hosted) == 1 else "*"} if hosted else {},
            "FETCH_USERINFO": True,
        }  # fmt: skip
    oidc = json.loads(env.str("KRING_OIDC_PROVIDERS", default="[]") or "[]")
    if oidc:
        apps.append("allauth.socialaccount.providers.openid_connect")
        providers["openid_connect"] = {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [{
                "provider_id": entry["id"], "name": entry["name"],
                "client_id": entry["client_id"], "secret": entry.get("secret", ""),
                "settings": {"server_url": entry["server_url"],
                             "token_auth_method": entry.get("token_auth_method",
                                                            "client_secret_post")},
            } for entry in oidc],
        }  # fmt: skip
    saml = json.loads(env.str("KRING_SAML_PROVIDERS", default="[]") or "[]")
    if saml:
        apps.append("allauth.socialaccount.providers.saml")
        providers["saml"] = {
            "APPS": [{
                "name": entry["name"], "provider_id": entry["entity_id"],
                "client_id": entry["id"],  # the URL slug: /accounts/saml/<id>/
                "settings": {
                    # the IdP's metadata URL, or its SSO URL and signing certificate
                    "idp": {"entity_id": entry["entity_id"],
                            **{key: entry[key] for key in ("metadata_url", "sso_url",
                                                           "slo_url", "x509cert")
                               if key in entry}},
                    "attribute_mapping": entry.get("attribute_mapping", {
                        "uid": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                        "email": "urn:oid:0.9.2342.19200300.100.1.3",
                        "email_verified": "urn:oid:0.9.2342.19200300.100.1.3",
                        "first_name": "urn:oid:2.5.4.42",
                        "last_name": "urn:oid:2.5.4.4",
                    }),
                },
            } for entry in saml],
        }  # fmt: skip
    return apps, providers
