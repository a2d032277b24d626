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
        KRING_VAPID_PRIVATE_KEY="sDX96Zj0xsXh7HnkKVzLZ7zI7IyRH0Ohb8rBtF44TR8",
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


def test_without_a_vapid_key_production_refuses_to_start():
    env = production_env()
    del env["KRING_VAPID_PRIVATE_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "KRING_VAPID_PRIVATE_KEY is not set" in result.stderr


def test_check_deploy_warns_about_a_generated_vapid_key():
    env = production_env()
    del env["KRING_VAPID_PRIVATE_KEY"]
    env["KRING_DEV"] = "1"  # otherwise Kring refuses to start without a key
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "kring.W101" in result.stdout + result.stderr


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


def test_the_container_recipe_matches_the_procfile_and_runs_unprivileged():
    import yaml

    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") >= 2  # multi-stage
    assert "USER kring" in dockerfile and "collectstatic" in dockerfile
    assert "python -m config.server" in dockerfile
    compose = yaml.safe_load((BASE_DIR / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web1", "web2", "worker", "nginx"} <= set(services)
    assert services["worker"]["command"] == ["python", "manage.py", "run_worker"]
    nginx = (BASE_DIR / "deploy" / "nginx.compose.conf").read_text()
    assert "server web1:8000" in nginx and "server web2:8000" in nginx
    assert "X-Forwarded-For $remote_addr" in nginx and "$proxy_add_x_forwarded_for" not in nginx


def test_the_grafana_dashboard_uses_only_metrics_kring_declares():
    import json
    import re

    dashboard = json.loads((BASE_DIR / "deploy" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    # Kring's metrics are declared in core (so every layer may count) and served by config.
    declared = "".join((BASE_DIR / d / "metrics.py").read_text() for d in ("core", "config"))
    for name in {m for e in exprs for m in re.findall(r"\bkring_[a-z_]+", e)}:
        base = re.sub(r"_(bucket|total)$", "", name)
        assert f'"{base}' in declared, name
