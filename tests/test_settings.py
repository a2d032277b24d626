"""The environment switches Kring between the embedded default and production services."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], "
    "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], 'cache': s.CACHES['default']['BACKEND'], "
    "'verification': s.ACCOUNT_EMAIL_VERIFICATION, 'email': s.EMAIL_BACKEND}))"
)


def settings_with(**env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL", "CHANNEL_LAYER_FLAVOUR")
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    output = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def test_embedded_default():
    got = settings_with()
    assert got["db"] == "django.db.backends.sqlite3"
    assert got["layer"] == "channels.layers.InMemoryChannelLayer"
    assert got["cache"].endswith("LocMemCache")
    assert got["verification"] == "optional"
    assert got["email"].endswith("console.EmailBackend")


def test_production_switches():
    got = settings_with(
        DATABASE_URL="postgres://u@db:5432/kring",
        REDIS_URL="redis://redis:6379/0",
        EMAIL_URL="smtp://mail:25",
    )
    assert got["db"] == "django.db.backends.postgresql"
    assert got["layer"] == "config.channel_layer.PipelinedPubSubChannelLayer"
    assert got["cache"].endswith("RedisCache")
    assert got["verification"] == "mandatory"
    assert got["email"].endswith("smtp.EmailBackend")


def test_redis_sentinel_is_configurable():
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'host': s.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0], 'redis': s.REDIS_ENABLED, "
        "'cache': s.CACHES['default']['BACKEND']}, default=str))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CHANNEL_LAYER_FLAVOUR")
    }
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", REDIS_SENTINELS="s1:26379,s2:26380",
                 REDIS_SENTINEL_MASTER="kring-master", REDIS_CACHE_URL="redis://cache:6379/1")  # fmt: skip
    output = subprocess.run(
        [sys.executable, "-c", probe],
        env=clean,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(output.stdout.strip().splitlines()[-1])
    assert got["redis"] is True and got["cache"].endswith("RedisCache")
    assert got["host"]["master_name"] == "kring-master"
    assert got["host"]["sentinels"] == [["s1", 26379], ["s2", 26380]]


def _start_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "REDIS_URL",
            "EMAIL_URL",
            "SECRET_KEY",
            "KRING_DEV",
            "DEBUG",
            "KRING_VAPID_PRIVATE_KEY",
        )
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=clean, cwd=BASE_DIR, capture_output=True, text=True,
    )  # fmt: skip


def test_without_debug_or_dev_a_secret_key_is_required():
    result = _start_settings(EMAIL_URL="smtp://mail:25")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_without_debug_or_dev_a_mail_server_is_required():
    result = _start_settings(SECRET_KEY="s" * 60)
    assert result.returncode != 0
    assert "ImproperlyConfigured: EMAIL_URL is not set" in result.stderr


def test_a_development_checkout_may_generate_its_key_and_print_emails():
    assert _start_settings(KRING_DEV="1").returncode == 0
    configured = {"SECRET_KEY": "s" * 60, "EMAIL_URL": "smtp://mail:25"}
    vapid = "sDX96Zj0xsXh7HnkKVzLZ7zI7IyRH0Ohb8rBtF44TR8"
    assert _start_settings(**configured, KRING_VAPID_PRIVATE_KEY=vapid).returncode == 0


def test_without_debug_or_dev_a_vapid_key_is_required():
    result = _start_settings(SECRET_KEY="s" * 60, EMAIL_URL="smtp://mail:25")
    assert result.returncode != 0
    assert "ImproperlyConfigured: KRING_VAPID_PRIVATE_KEY is not set" in result.stderr


def test_postgresql_uses_a_connection_pool_and_no_persistent_connections():
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(json.dumps({'age': d['CONN_MAX_AGE'], "
        "'pool': d['OPTIONS'].get('pool')}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KRING_DB_POOL")}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL="postgres://u@db/kring")
    output = subprocess.run([sys.executable, "-c", probe], env=clean, cwd=BASE_DIR,
                            capture_output=True, text=True, check=True)  # fmt: skip
    got = json.loads(output.stdout.strip().splitlines()[-1])
    assert got["age"] == 0 and got["pool"]["max_size"] == 20
