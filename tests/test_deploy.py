"""The production recipe passes Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_")) and k != "KRING_DEV"
    }
    for line in (BASE_DIR / "deploy" / "production.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="p" + "r0duct1on-s3cret-kEy-that-is-long-and-random-enough-5938475" * 2,
        # no database or Redis is contacted by the checks; keep them local
        DATABASE_URL="sqlite:////tmp/kring-deploy-check.sqlite3",
        STATIC_MANIFEST="false",
    )
    return env


def test_check_deploy_is_clean_with_the_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=production_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_nginx_recipe_upgrades_websockets_and_balances_processes():
    conf = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert conf.count("server 127.0.0.1:80") >= 2


def test_nginx_replaces_x_forwarded_for_and_kring_trusts_one_proxy():
    conf = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    # appending would pass on whatever the client wrote into the header
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" not in conf
    assert conf.count("proxy_set_header X-Forwarded-For $remote_addr;") == 2
    assert (
        "KRING_TRUSTED_PROXY_COUNT=1"
        in (BASE_DIR / "deploy" / "production.env.example").read_text()
    )


def test_the_web_process_does_not_take_client_addresses_from_headers():
    # daphne's --proxy-headers takes the leftmost X-Forwarded-For entry, which the client writes
    procfile = (BASE_DIR / "Procfile").read_text()
    assert "--proxy-headers" not in procfile and "python -m config.server" in procfile
