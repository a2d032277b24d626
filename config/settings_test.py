"""Test settings: the real settings plus what makes tests fast and isolated.

The environment still decides the database and channel layer, so the same suite runs on the
embedded default and, in CI, against PostgreSQL + Redis.
"""

import os

# Pooled connections would stay open on the test database and keep it from being dropped.
os.environ.setdefault("KRING_DB_POOL", "false")
# A development checkout as far as secrets and mail go (both are set just below).
os.environ.setdefault("KRING_DEV", "1")

from .settings import *  # noqa: F403
from .settings import BASE_DIR, DATABASES, KRING_PUSH_SERVICE_HOSTS

# A fixed secret so the daphne processes started by end-to-end tests share sessions with
# the test process.
SECRET_KEY = "kring-tests-only-secret-key-not-for-production-use-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ACCOUNT_EMAIL_VERIFICATION = "optional"
# Off, except for tests that start a server to check the limits themselves.
if not os.environ.get("KRING_TEST_RATE_LIMITS"):
    ACCOUNT_RATE_LIMITS = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's shared-memory test database: end-to-end tests start daphne in a
    # separate process that must open the same database, and concurrent writers need real
    # file locking.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-kring.sqlite3")}
# Presence batches are flushed quickly so tests need not wait.
KRING_PRESENCE_INTERVAL_SECONDS = 0.05
# Database work runs in many short-lived threads in tests (a new event loop, and executor, per
# test): close each connection after use, or PostgreSQL keeps them until garbage collection
# and refuses to drop the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# For the same reason a post thread gives its connection back as soon as it has nothing to
# store: a test's loop ends before a linger would (tests/realtime/test_post_threads.py sets one).
KRING_POST_CONNECTION_LINGER_SECONDS = 0.0
# Uploaded materials of the test run (shared with the daphne processes of end-to-end tests).
MEDIA_ROOT = BASE_DIR / ".test-media"
# Networking: every request checks whether its index is out of date (tests change data fast).
KRING_NETWORKING_INDEX_CHECK_SECONDS = 0.0
KRING_NETWORKING_INDEX_BACKGROUND = False
# The tests' own push service (tests/push_service.py) listens on the loopback.
KRING_PUSH_SERVICE_HOSTS = [*KRING_PUSH_SERVICE_HOSTS, "127.0.0.1"]
