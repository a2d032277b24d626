"""Kring settings.

Everything a deployment may change is read from the environment (django-environ). With no
environment at all Kring runs embedded: SQLite, the in-memory channel layer, a local-memory
cache and a console email backend. ``DATABASE_URL`` and ``REDIS_URL`` switch to the
production set-up. Every setting is listed with its default in the README.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _local_secret_key() -> str:
    """A per-checkout secret, generated once and never committed (.secret_key is ignored)."""
    path = BASE_DIR / ".secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _local_vapid_key() -> str:
    """A per-checkout VAPID key for Web Push (``KRING_DEV``: tests, `make run`), generated
    once without any network and never committed (.vapid_key is ignored). Production sets
    KRING_VAPID_PRIVATE_KEY, the same on every process (README, "Web Push")."""
    path = BASE_DIR / ".vapid_key"
    if not path.exists():
        number = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
        key = base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=")
        try:  # exclusive create: processes started together (tests, daphne) agree on one key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as file:
                file.write(key)
    for _attempt in range(50):  # another process may be between creating and writing the file
        key_text = path.read_text().strip()
        if key_text:
            return key_text
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty; delete it to generate a new VAPID key")


DEBUG = env.bool("DEBUG", default=False)
# A development checkout (`make` sets KRING_DEV=1, tests too): a generated secret key and
# emails on the console are fine. Anything else must be configured for real (below).
KRING_DEV = env.bool("KRING_DEV", default=False) or DEBUG
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not KRING_DEV:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it (the same long random value on every process), or "
            "set KRING_DEV=1 for a development checkout (`make run` does)."
        )
    SECRET_KEY = _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_structlog",
    "django_prometheus",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.socialaccount",
    "allauth.mfa",
    "django_countries",
    "rules.apps.AutodiscoverRulesConfig",
    "notifications",
    # Kring, bottom layer first (see the README's layer diagram).
    "core",
    "community",
    "facilitators",
    "resources",
    "events",
    "chat",
    "networking",
    "schools",
    "delivery",
    "analytics",
    "realtime",
    "demo",
]


MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "config.middleware.UnsafeTextMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "community.middleware.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    # request id, user id and client address on every log line of the request (config.logs)
    "django_structlog.middlewares.RequestMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "delivery.context_processors.notifications",
                "realtime.context_processors.socket_limits",
            ],
        },
    },
]

# django-notifications' model, named (its default) so that other apps' migrations can point at it.
NOTIFICATIONS_NOTIFICATION_MODEL = "notifications.Notification"

# --- Database ------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'kring.sqlite3'}"),
}
# Seconds a statement waits for a lock (SQLite's busy timeout; PostgreSQL's lock_timeout).
DB_LOCK_TIMEOUT = env.float("DB_LOCK_TIMEOUT", default=10.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # concurrent posters queue on the busy timeout instead of failing on lock upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": DB_LOCK_TIMEOUT,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # A post waiting on a lock fails with an error frame after this, instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={int(DB_LOCK_TIMEOUT * 1000)}"
    )
    if env.bool("KRING_DB_POOL", default=True):
        # Under ASGI every request's ORM work runs in some executor thread; persistent
        # per-thread connections (CONN_MAX_AGE) pile up one per thread. psycopg's pool hands
        # a connection out per use instead (Django 5.1+), so CONN_MAX_AGE must be 0.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("KRING_DB_POOL_MIN", default=2),
            "max_size": env.int("KRING_DB_POOL_MAX", default=20),
            "timeout": env.float("KRING_DB_POOL_TIMEOUT", default=10.0),
        }
    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The few statements every post and every reconnect runs (core.rows) are prepared once per
# connection: planning the post's statement cost PostgreSQL 0.7 ms, executing it 0.1 ms (bench
# S3). Off behind a pooler that cannot keep prepared statements (PgBouncer before 1.21 in
# transaction mode).
KRING_DB_PREPARED_STATEMENTS = env.bool("KRING_DB_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and cache ---------------------------------------------------------
# Redis: a URL (redis://, or rediss:// for a managed Redis with TLS), or Redis Sentinel.
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_SENTINELS = env.list("REDIS_SENTINELS", default=[])  # ["sentinel-1:26379", ...]
REDIS_SENTINEL_MASTER = env.str("REDIS_SENTINEL_MASTER", default="mymaster")
REDIS_DB = env.int("REDIS_DB", default=0)  # with Sentinel (a URL carries its own)
REDIS_ENABLED = bool(REDIS_URL or REDIS_SENTINELS)
# "pubsub" (RedisPubSubChannelLayer) or "core" (RedisChannelLayer, a list per channel).
# Chosen by measurement (bench S4, README): pubsub delivered the same throughput with half the
# p99 latency and about half the server CPU per delivery. Its messages are fire-and-forget,
# which Kring's design already assumes of any layer (the database is the truth).
CHANNEL_LAYER_FLAVOUR = env.str("CHANNEL_LAYER_FLAVOUR", default="pubsub")
CHANNEL_CAPACITY = env.int("CHANNEL_CAPACITY", default=10_000)


def _next_redis_db(url: str) -> str:
    """The cache lives in the Redis database after the channel layer's: Django's
    ``cache.clear()`` flushes its whole database and must not wipe channel-layer groups."""
    parts = urlsplit(url)
    index = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{index + 1}"))


# redis-py 8 reads with a 5 s socket timeout by default, exactly the length of channels_redis'
# blocking BZPOPMIN: receives then fail with TimeoutError (channels_redis#422). Reads may
# block longer than the pop; connects still fail fast.
_REDIS_CONNECTION = {
    "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=30.0),
    "socket_connect_timeout": 5,
    "socket_keepalive": True,
    "health_check_interval": 30,
}
if REDIS_SENTINELS:
    REDIS_HOST: dict = {
        "sentinels": [(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1])) for h in REDIS_SENTINELS],
        "master_name": REDIS_SENTINEL_MASTER,
        "db": REDIS_DB,
        "sentinel_kwargs": {"socket_timeout": 5},
        **_REDIS_CONNECTION,
    }
else:
    REDIS_HOST = {"address": REDIS_URL, **_REDIS_CONNECTION}

if REDIS_ENABLED:
    if CHANNEL_LAYER_FLAVOUR == "pubsub":
        _layer_backend = "config.channel_layer.PipelinedPubSubChannelLayer"
        _layer_config: dict = {"hosts": [REDIS_HOST]}
    else:
        _layer_backend = "channels_redis.core.RedisChannelLayer"
        _layer_config = {"hosts": [REDIS_HOST], "capacity": CHANNEL_CAPACITY, "expiry": 30}
    CHANNEL_LAYERS = {"default": {"BACKEND": _layer_backend, "CONFIG": _layer_config}}
    # Django's Redis cache takes URLs only: with Sentinel, point REDIS_CACHE_URL at the master
    # (or a proxy); without one, rate limits fall back to each process's memory. While Redis
    # is down the cache degrades to the process's memory too (config.cache), never a 500.
    _cache_url = env.str("REDIS_CACHE_URL", default=_next_redis_db(REDIS_URL) if REDIS_URL else "")
    CACHES = {
        "default": (
            {"BACKEND": "config.cache.FallbackRedisCache", "LOCATION": _cache_url,
             "KEY_PREFIX": "kring"}
            if _cache_url
            else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        )
    }  # fmt: skip
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY, "expiry": 30},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts (django-allauth) --------------------------------------------------------------
AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"

LOGIN_REDIRECT_URL = "community:home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_RATE_LIMIT", default="10/m/ip,5/5m/key"),
}

EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    globals().update(env.email_url("EMAIL_URL"))  # EMAIL_BACKEND, EMAIL_HOST, ...
    # A real mail server is configured: addresses must be proven before use.
    ACCOUNT_EMAIL_VERIFICATION = "mandatory"
elif not KRING_DEV:
    raise ImproperlyConfigured(
        "EMAIL_URL is not set: without a mail server nobody can verify an address or reset a "
        "password. Set it (e.g. smtp+tls://user:pass@mail.example.eu:587), or set KRING_DEV=1 "
        "for a development checkout, where emails are printed to the console."
    )
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kring <noreply@kring.localhost>")

# School sign-in (config.accounts): providers appear when their credentials are set.
from config.social import social_providers  # noqa: E402

_social_apps, SOCIALACCOUNT_PROVIDERS = social_providers(env)
INSTALLED_APPS += _social_apps
SOCIALACCOUNT_ADAPTER = "config.accounts.KringSocialAccountAdapter"
KRING_GOOGLE_HOSTED_DOMAINS = env.list("KRING_GOOGLE_HOSTED_DOMAINS", default=[])
# A school login never takes over an existing Kring account just because the addresses match
# (an identity provider that lets people choose their address would hand over accounts);
# teachers connect it from their account page while signed in.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False  # a POST from Kring's own login page starts a sign-in
# Second factors for everyone; facilitators and staff cannot turn theirs off (config.accounts).
MFA_ADAPTER = "config.accounts.KringMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = KRING_DEV  # passkeys on http://127.0.0.1 while developing
MFA_TOTP_ISSUER = "Kring"

HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_SERVE_SPECIFICATION = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The languages of the programmes' teachers. The switcher shows each in its own name.
LANGUAGES = [
    ("en", _("English")),
    ("nl", _("Dutch")),
    ("fr", _("French")),
    ("de", _("German")),
    ("sv", _("Swedish")),
    ("pl", _("Polish")),
    ("fi", _("Finnish")),
    ("et", _("Estonian")),
]
# A teacher who has not chosen a time zone (and whose browser has not told us) sees times
# here; Kring's first communities are in Central Europe.
KRING_DEFAULT_TIMEZONE = env.str("KRING_DEFAULT_TIMEZONE", default="Europe/Brussels")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# WhiteNoise warns about a missing STATIC_ROOT when files are served from the finders instead.
warnings.filterwarnings("ignore", message="No directory at: ")
# Embedded default serves static files straight from the source folders; production runs
# collectstatic in the release step and sets STATIC_MANIFEST=1 for hashed, compressed files.
WHITENOISE_USE_FINDERS = not env.bool("STATIC_MANIFEST", default=False)
# Uploads on local disk by default; on S3-compatible storage (django-storages, the `s3` extra)
# when a bucket is configured (AWS_* settings are read by django-storages from the environment).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
STORAGES = {
    "default": {
        "BACKEND": (
            "storages.backends.s3.S3Storage"
            if AWS_STORAGE_BUCKET_NAME
            else "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------------------------
# Content Security Policy (django-csp): only this site's own scripts, styles and sockets.
CONTENT_SECURITY_POLICY = {
    # allauth's OpenAPI page and the admin load their own inline/CDN assets. (/api/docs
    # serves Swagger UI from static/vendor and keeps the policy.)
    "EXCLUDE_URL_PREFIXES": ["/_allauth/openapi.html", "/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Django's database sessions, read with a written-out query (core/sessions.py: bench S6).
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# Proxies in front of Kring that set X-Forwarded-For (nginx in deploy/: 1). The client's
# address is then the one that many entries from the right; 0 ignores the header (no proxy:
# anyone could write it). Read by allauth's rate limits and Kring's logs (config.clientip).
KRING_TRUSTED_PROXY_COUNT = env.int("KRING_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = KRING_TRUSTED_PROXY_COUNT

SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)

# --- Kring limits ---------------------------------------------------------------------------
# Longest message body, in characters (a post over it gets a `too_large` error frame).
KRING_MAX_MESSAGE_LENGTH = env.int("KRING_MAX_MESSAGE_LENGTH", default=4000)
# The emoji teachers react to messages with (a small set keeps reactions readable).
KRING_REACTION_EMOJI = env.list("KRING_REACTION_EMOJI", default=["👍", "❤️", "🎉", "😄", "🤔", "🙏"])
# Names listed per emoji on a message (the count is always exact).
KRING_REACTION_NAMES_SHOWN = env.int("KRING_REACTION_NAMES_SHOWN", default=25)
# People in one direct conversation, the starter included.
KRING_DIRECT_GROUP_MAX = env.int("KRING_DIRECT_GROUP_MAX", default=10)
# Files in a conversation (chat): each at most this large, this many per message, and
# images get a thumbnail at most this many pixels on its longer side.
KRING_CHAT_FILE_MAX_BYTES = env.int("KRING_CHAT_FILE_MAX_BYTES", default=10 * 1024 * 1024)
KRING_CHAT_FILES_PER_MESSAGE = env.int("KRING_CHAT_FILES_PER_MESSAGE", default=4)
KRING_CHAT_THUMBNAIL_SIDE = env.int("KRING_CHAT_THUMBNAIL_SIDE", default=480)
# Largest incoming WebSocket frame (message), in bytes; `manage.py serve` passes it to daphne.
KRING_MAX_FRAME_BYTES = env.int("KRING_MAX_FRAME_BYTES", default=65_536)
# Largest frame the server sends (an event with a long formatted message, a presence list):
# a separate limit; a message whose event would not fit is refused before it is stored.
KRING_MAX_OUTGOING_FRAME_BYTES = env.int("KRING_MAX_OUTGOING_FRAME_BYTES", default=1_048_576)
# WebSocket keep-alive pings by the server (daphne), and how long a pong may take.
KRING_PING_INTERVAL_SECONDS = env.int("KRING_PING_INTERVAL_SECONDS", default=20)
KRING_PING_TIMEOUT_SECONDS = env.int("KRING_PING_TIMEOUT_SECONDS", default=30)
# Connections the kernel queues for daphne before it accepts them (Twisted's default is 50): a
# reconnect storm after a deploy arrives at once. Capped by net.core.somaxconn.
KRING_LISTEN_BACKLOG = env.int("KRING_LISTEN_BACKLOG", default=1024)
# daphne's own access log (a file, or "-" for standard output); empty: none, Kring's request
# logs (django-structlog) say the same, and it costs ~0.6 ms of CPU per socket (bench S6).
KRING_ACCESS_LOG = env.str("KRING_ACCESS_LOG", default="")
# The web process's garbage collector (config.server): collections of the youngest
# generation every this many new container objects, then how many of each generation's
# passes before the next older one is collected (Python's default: 700, 10, 10).
KRING_GC_THRESHOLDS = tuple(env.list("KRING_GC_THRESHOLDS", cast=int, default=[10_000, 50, 10]))
# Group commit of socket posts (realtime.post_batch): how many batches of posts one process
# stores at once (each holds a database thread; a post arriving while all are busy waits for
# the next batch), and how many posts one batch (one transaction) may hold.
KRING_POST_BATCHES_IN_FLIGHT = env.int("KRING_POST_BATCHES_IN_FLIGHT", default=2)
KRING_POST_BATCH_MAX = env.int("KRING_POST_BATCH_MAX", default=32)
# A post thread gives its database connection back to the pool after this long without a post
# to store (0: as soon as the batcher has nothing left).
KRING_POST_CONNECTION_LINGER_SECONDS = env.float(
    "KRING_POST_CONNECTION_LINGER_SECONDS", default=1.0
)
# WebSocket handshakes whose sessions and users are read with one query each (realtime.auth);
# SQLite takes at most 32,766 parameters in one statement.
KRING_HANDSHAKES_READ_TOGETHER = env.int("KRING_HANDSHAKES_READ_TOGETHER", default=500)
# Subscribes whose rooms and memberships are read with one query (realtime.readers).
KRING_SUBSCRIBES_READ_TOGETHER = env.int("KRING_SUBSCRIBES_READ_TOGETHER", default=500)
# How long the first socket of a process waits for its hub to join the channel layer (Redis).
KRING_HUB_JOIN_TIMEOUT_SECONDS = env.float("KRING_HUB_JOIN_TIMEOUT_SECONDS", default=2.0)
# Posts (messages and edits) one user may make per minute across all rooms.
KRING_POSTS_PER_MINUTE = env.int("KRING_POSTS_PER_MINUTE", default=30)
# Every other write, per account: (actions, window in seconds); 0 actions = unlimited. The
# numbers leave a busy teacher room and stop a script (40 shares in 4 s each notified everyone).
KRING_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "post": (KRING_POSTS_PER_MINUTE, 60),
    "share": (env.int("KRING_SHARES_PER_HOUR", default=20), 3600),
    "reaction": (env.int("KRING_REACTIONS_PER_MINUTE", default=60), 60),
    "membership": (env.int("KRING_MEMBERSHIP_CHANGES_PER_HOUR", default=12), 3600),
    "report": (env.int("KRING_REPORTS_PER_HOUR", default=20), 3600),
    "invite": (env.int("KRING_INVITATIONS_PER_HOUR", default=60), 3600),
    # Direct conversations one person may start (1:1 or group).
    "direct_start": (env.int("KRING_DIRECT_STARTS_PER_HOUR", default=30), 3600),
    # Files attached to messages.
    "chat_file": (env.int("KRING_CHAT_FILES_PER_HOUR", default=60), 3600),
    # Web Push: registering a browser for notifications (again).
    "push_device": (env.int("KRING_PUSH_REGISTRATIONS_PER_HOUR", default=30), 3600),
    # Notifications one account's actions may cause; beyond it they are dropped (logged).
    "notify": (env.int("KRING_NOTIFICATIONS_PER_ACTOR_PER_HOUR", default=300), 3600),
    # Schools: creating and editing schools, linking to them, confirming links, merging.
    "school": (env.int("KRING_SCHOOL_CHANGES_PER_HOUR", default=30), 3600),
    # Saving one's self-assessment answers (a draft may be saved many times).
    "assessment": (env.int("KRING_ASSESSMENT_SAVES_PER_HOUR", default=60), 3600),
    # Mentoring: proposing, answering, and changing a pair's plan.
    "mentoring": (env.int("KRING_MENTORING_CHANGES_PER_HOUR", default=60), 3600),
}
# Typing frames one socket may send per room before they are ignored, per 2 s window.
KRING_TYPING_INTERVAL_SECONDS = env.float("KRING_TYPING_INTERVAL_SECONDS", default=2.0)
# Resume: at most this many missed events are replayed on subscribe; older ones get a `gap`.
KRING_RESUME_MAX_EVENTS = env.int("KRING_RESUME_MAX_EVENTS", default=500)
# Readers of a room resuming together (a reconnect storm after a deploy) share one read of the
# missed events for this long (0 = never share); an edit, delete or hide ends the sharing.
KRING_REPLAY_REUSE_SECONDS = env.float("KRING_REPLAY_REUSE_SECONDS", default=2.0)
# Sockets subscribing to a room together share one read of who is present for at most this
# long from when it was sent (0: only while on its way); every presence frame the process
# delivers ends the sharing.
KRING_PRESENCE_REUSE_SECONDS = env.float("KRING_PRESENCE_REUSE_SECONDS", default=2.0)
# Open sockets one user may have in one process.
KRING_MAX_SOCKETS_PER_USER = env.int("KRING_MAX_SOCKETS_PER_USER", default=20)
# A socket that sends nothing (clients ping every 25 s) for this long is closed (0 = never).
KRING_IDLE_TIMEOUT_SECONDS = env.int("KRING_IDLE_TIMEOUT_SECONDS", default=300)
# A socket with more than this many bytes not yet taken by its client is closed and told to
# resume (it cannot keep up); 0 disables the check.
KRING_SLOW_CONSUMER_BYTES = env.int("KRING_SLOW_CONSUMER_BYTES", default=2 * 1024 * 1024)
# Presence changes in a room are batched into one frame per this interval.
KRING_PRESENCE_INTERVAL_SECONDS = env.float("KRING_PRESENCE_INTERVAL_SECONDS", default=0.5)
# Write broadcast frames straight to daphne's transports (off: through ASGI send).
KRING_DIRECT_WRITES = env.bool("KRING_DIRECT_WRITES", default=True)
# Rooms one socket may be subscribed to at once.

KRING_MAX_SUBSCRIPTIONS_PER_SOCKET = env.int("KRING_MAX_SUBSCRIPTIONS_PER_SOCKET", default=100)
# Run the notification worker inside the web process (embedded default: the in-memory
# channel layer reaches only this process's sockets). With Redis, run `manage.py run_worker`.
KRING_WORKER_IN_PROCESS = env.bool("KRING_WORKER_IN_PROCESS", default=not REDIS_ENABLED)
# Done outbox jobs are kept this many days (for looking into what was sent), then pruned.
KRING_OUTBOX_KEEP_DAYS = env.int("KRING_OUTBOX_KEEP_DAYS", default=7)
# Which outbox jobs this deployment's workers take (deployments sharing a database differ).
KRING_OUTBOX_QUEUE = env.str("KRING_OUTBOX_QUEUE", default="default")
# Test-only fault injection: seconds a worker pauses inside a fan-out transaction.
KRING_FAULT_FANOUT_PAUSE = env.float("KRING_FAULT_FANOUT_PAUSE", default=0.0)
# Absolute links in emails.
KRING_BASE_URL = env.str("KRING_BASE_URL", default="http://127.0.0.1:8000")
# Uploaded teaching materials: largest size, and the accepted extensions with the content
# types a browser may declare for each (the first is the one served).
KRING_UPLOAD_MAX_BYTES = env.int("KRING_UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)
# Images are refused from their header when width x height x frames exceeds this budget or
# they have more frames; at most KRING_UPLOAD_DECODES images or PDFs are decoded at once per
# process, and a decode stops after KRING_IMAGE_DECODE_SECONDS (resources/uploads.py).
KRING_IMAGE_MAX_PIXELS = env.int("KRING_IMAGE_MAX_PIXELS", default=25_000_000)
KRING_IMAGE_MAX_FRAMES = env.int("KRING_IMAGE_MAX_FRAMES", default=200)
KRING_UPLOAD_DECODES = env.int("KRING_UPLOAD_DECODES", default=2)
KRING_IMAGE_DECODE_SECONDS = env.float("KRING_IMAGE_DECODE_SECONDS", default=10.0)
# Request bodies (config.limits): uploads may carry the file plus this much form around it;
# every other request at most KRING_REQUEST_MAX_BYTES. Refused before they are read.
KRING_MULTIPART_OVERHEAD_BYTES = env.int("KRING_MULTIPART_OVERHEAD_BYTES", default=1024 * 1024)
KRING_REQUEST_MAX_BYTES = env.int("KRING_REQUEST_MAX_BYTES", default=2 * 1024 * 1024)
# Slow clients (config.server): the request line and headers must arrive within this many
# seconds, the body within the next, and a connection silent for the last is closed.
KRING_HTTP_HEADER_TIMEOUT = env.float("KRING_HTTP_HEADER_TIMEOUT", default=10.0)
KRING_HTTP_BODY_TIMEOUT = env.float("KRING_HTTP_BODY_TIMEOUT", default=300.0)
KRING_HTTP_IDLE_TIMEOUT = env.float("KRING_HTTP_IDLE_TIMEOUT", default=30.0)
_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
KRING_UPLOAD_TYPES: dict[str, list[str]] = {
    "pdf": ["application/pdf"],
    "docx": [f"{_OOXML}.wordprocessingml.document"],
    "pptx": [f"{_OOXML}.presentationml.presentation"],
    "xlsx": [f"{_OOXML}.spreadsheetml.sheet"],
    "odt": [f"{_ODF}.text"],
    "odp": [f"{_ODF}.presentation"],
    "ods": [f"{_ODF}.spreadsheet"],
    "txt": ["text/plain"],
    "md": ["text/markdown", "text/plain", "text/x-markdown"],
    "csv": ["text/csv", "text/plain", "application/vnd.ms-excel"],
    "png": ["image/png"],
    "jpg": ["image/jpeg"],
    "jpeg": ["image/jpeg"],
    "gif": ["image/gif"],
    "webp": ["image/webp"],
    "mp3": ["audio/mpeg", "audio/mp3"],
    "ogg": ["audio/ogg", "application/ogg"],
    "m4a": ["audio/mp4", "audio/x-m4a"],
    "wav": ["audio/wav", "audio/x-wav", "audio/wave"],
    "mp4": ["video/mp4"],
    "webm": ["video/webm", "audio/webm"],
    "zip": ["application/zip", "application/x-zip-compressed"],
}
# Invitations: how long a new one is valid by default, and at most (days).
KRING_INVITATION_DAYS = env.int("KRING_INVITATION_DAYS", default=14)
KRING_INVITATION_MAX_DAYS = env.int("KRING_INVITATION_MAX_DAYS", default=90)
# The longest slow mode a facilitator may set, in seconds.
KRING_MAX_SLOW_MODE_SECONDS = env.int("KRING_MAX_SLOW_MODE_SECONDS", default=3600)
# Events: attendees may post in an event's room from this long before an occurrence starts
# until this long after it ends (organisers and facilitators at any time).
KRING_EVENT_ROOM_OPENS_MINUTES = env.int("KRING_EVENT_ROOM_OPENS_MINUTES", default=15)
KRING_EVENT_ROOM_CLOSES_MINUTES = env.int("KRING_EVENT_ROOM_CLOSES_MINUTES", default=120)
# Limits of what one event may be: occurrences of a series (COUNT, and per listing), hours
# one occurrence may last, seats, communities it is open to.
KRING_EVENT_MAX_OCCURRENCES = env.int("KRING_EVENT_MAX_OCCURRENCES", default=500)
KRING_EVENT_MAX_HOURS = env.int("KRING_EVENT_MAX_HOURS", default=14 * 24)
KRING_EVENT_MAX_CAPACITY = env.int("KRING_EVENT_MAX_CAPACITY", default=10_000)
KRING_EVENT_MAX_GUEST_COMMUNITIES = env.int("KRING_EVENT_MAX_GUEST_COMMUNITIES", default=20)
# Test-only fault injection: seconds a worker pauses inside a reminder job's transaction.
KRING_FAULT_REMINDER_PAUSE = env.float("KRING_FAULT_REMINDER_PAUSE", default=0.0)
# --- Web Push (delivery/push/) ----------------------------------------------------------------
# The VAPID key (RFC 8292) that signs every push: base64url of the raw 32-byte P-256 private
# key (`manage.py vapid_key` prints a new one). Browsers subscribe with its public half: change
# it and every device must subscribe again.
KRING_VAPID_PRIVATE_KEY = env.str("KRING_VAPID_PRIVATE_KEY", default="")
if not KRING_VAPID_PRIVATE_KEY:
    if not KRING_DEV:
        raise ImproperlyConfigured(
            "KRING_VAPID_PRIVATE_KEY is not set. `python manage.py vapid_key` prints one; set "
            "it (the same on every process, never changed), or set KRING_DEV=1."
        )
    KRING_VAPID_PRIVATE_KEY = _local_vapid_key()
# Who push services may contact about this server's pushes (a mailto: or https: URL).
KRING_VAPID_SUBJECT = env.str("KRING_VAPID_SUBJECT", default="mailto:noreply@kring.localhost")
# Push services a subscription may point at (host names; "*." covers subdomains). Anything
# else is refused when a device subscribes: the worker never posts to an arbitrary URL.
KRING_PUSH_SERVICE_HOSTS = env.list(
    "KRING_PUSH_SERVICE_HOSTS",
    default=[
        "fcm.googleapis.com",
        "android.googleapis.com",
        "*.push.services.mozilla.com",
        "*.push.apple.com",
        "*.notify.windows.com",
    ],
)
# Devices (browser subscriptions) one person may register.
KRING_PUSH_MAX_DEVICES = env.int("KRING_PUSH_MAX_DEVICES", default=10)
# How long a push service keeps a push for a phone that is off (seconds).
KRING_PUSH_TTL_SECONDS = env.int("KRING_PUSH_TTL_SECONDS", default=24 * 3600)
# Pushes one worker pass claims, how many it sends at once, and the timeout of each.
KRING_PUSH_BATCH = env.int("KRING_PUSH_BATCH", default=200)
KRING_PUSH_CONCURRENCY = env.int("KRING_PUSH_CONCURRENCY", default=8)
KRING_PUSH_TIMEOUT_SECONDS = env.float("KRING_PUSH_TIMEOUT_SECONDS", default=10.0)
# A claimed push not answered within this many seconds belonged to a worker that died: another
# worker sends it.
KRING_PUSH_CLAIM_SECONDS = env.int("KRING_PUSH_CLAIM_SECONDS", default=120)
# Tries per push when the push service is busy or down (429, 5xx, no answer).
KRING_PUSH_MAX_ATTEMPTS = env.int("KRING_PUSH_MAX_ATTEMPTS", default=5)
# More pushes than this waiting for one device at once (after quiet hours) become one summary.
KRING_PUSH_SUMMARY_AFTER = env.int("KRING_PUSH_SUMMARY_AFTER", default=3)
# Test-only fault injection: seconds a worker pauses after claiming pushes, before sending.
KRING_FAULT_PUSH_PAUSE = env.float("KRING_FAULT_PUSH_PAUSE", default=0.0)

# Running communities: a logo's largest file and side (it is scaled down to fit), rooms per
# community, open proposals per teacher, communities per circle, the members table's page,
# toolkits per community and materials per toolkit.
KRING_LOGO_MAX_BYTES = env.int("KRING_LOGO_MAX_BYTES", default=1024 * 1024)
KRING_LOGO_MAX_SIDE = env.int("KRING_LOGO_MAX_SIDE", default=512)
KRING_MAX_ROOMS_PER_COMMUNITY = env.int("KRING_MAX_ROOMS_PER_COMMUNITY", default=100)
KRING_MAX_OPEN_PROPOSALS = env.int("KRING_MAX_OPEN_PROPOSALS", default=3)
KRING_MAX_CIRCLE_LINKS = env.int("KRING_MAX_CIRCLE_LINKS", default=100)
KRING_MEMBER_PAGE_MAX = env.int("KRING_MEMBER_PAGE_MAX", default=200)
KRING_MAX_TOOLKITS_PER_COMMUNITY = env.int("KRING_MAX_TOOLKITS_PER_COMMUNITY", default=50)
KRING_MAX_TOOLKIT_ITEMS = env.int("KRING_MAX_TOOLKIT_ITEMS", default=100)
# History page size over HTTP: default and ceiling.

KRING_HISTORY_PAGE_DEFAULT = 50
KRING_HISTORY_PAGE_MAX = env.int("KRING_HISTORY_PAGE_MAX", default=200)

# --- Passive networking (networking/, README "Passive networking") --------------------------
# The people score: a weighted sum of components, each 0..1 (networking/scoring.py, README
# "Passive networking"). Chosen by a grid search on bench Q1's tuning population (seed 1),
# reported on another (seed 2): bench/RESULTS.md.
KRING_NETWORKING_WEIGHTS: dict[str, float] = {
    "subjects": env.float("KRING_NETWORKING_W_SUBJECTS", default=1.0),
    "age_groups": env.float("KRING_NETWORKING_W_AGE_GROUPS", default=1.0),
    "interests": env.float("KRING_NETWORKING_W_INTERESTS", default=0.6),
    "embedding": env.float("KRING_NETWORKING_W_EMBEDDING", default=0.5),
    "languages": env.float("KRING_NETWORKING_W_LANGUAGES", default=0.05),
    "cross_border": env.float("KRING_NETWORKING_W_CROSS_BORDER", default=0.2),
    # Shared materials, rooms and replies, each weighted by how few others did the same
    # (bench Q1's population has loosely planted activity; kept as strong as a subject).
    "activity": env.float("KRING_NETWORKING_W_ACTIVITY", default=1.0),
}
# Cosine similarities of two profile texts map linearly from this range onto 0..1 (unrelated
# teacher profiles sit around 0.3 with this encoder; the same teaching in two languages
# around 0.5-0.6).
KRING_NETWORKING_EMBEDDING_RANGE = (0.35, 0.7)
# Factor on the score when both teachers list languages and share none: a mild push toward
# colleagues one can talk to (the shared-language and cross-border weights pull the same way),
# not a wall: teachers who list only their own language still meet their peers (0.5 cost
# 0.10-0.13 precision@5 on bench Q1's tuning seed).
KRING_NETWORKING_NO_COMMON_LANGUAGE = env.float("KRING_NETWORKING_NO_COMMON_LANGUAGE", default=0.9)
# Below this score nothing is suggested (one shared subject or age group is about 0.5-1).
KRING_NETWORKING_MIN_SCORE = env.float("KRING_NETWORKING_MIN_SCORE", default=0.3)
KRING_NETWORKING_COMMUNITY_WEIGHTS = {
    "languages": 0.2, "kind": 0.15, "subjects": 0.3, "people": 0.2, "embedding": 0.3,
}  # fmt: skip
KRING_NETWORKING_MATERIAL_WEIGHTS = {
    "subjects": 0.35, "age_groups": 0.2, "languages": 0.1, "embedding": 0.3, "people": 0.15,
    "used": 0.1,
}  # fmt: skip
# How often a process asks whether its index of discoverable teachers is out of date (s).
KRING_NETWORKING_INDEX_CHECK_SECONDS = env.float(
    "KRING_NETWORKING_INDEX_CHECK_SECONDS", default=2.0
)
# Rebuild it in a background thread, serving the current one meanwhile (off: in the request).
KRING_NETWORKING_INDEX_BACKGROUND = env.bool("KRING_NETWORKING_INDEX_BACKGROUND", default=True)
# Embeddings on (off: metadata only, without loading the encoder's ~150 MB).
KRING_NETWORKING_EMBEDDINGS = env.bool("KRING_NETWORKING_EMBEDDINGS", default=True)
KRING_NETWORKING_ENCODER_THREADS = env.int("KRING_NETWORKING_ENCODER_THREADS", default=1)
# The worker's sweep (new activity, stale and old vectors, community and material texts).
KRING_NETWORKING_SWEEP_SECONDS = env.float("KRING_NETWORKING_SWEEP_SECONDS", default=10.0)
KRING_NETWORKING_MAX_AGE_HOURS = env.int("KRING_NETWORKING_MAX_AGE_HOURS", default=24)
# The weekly "people you may want to meet": how many people, how often, how often checked.
KRING_NETWORKING_WEEKLY_COUNT = env.int("KRING_NETWORKING_WEEKLY_COUNT", default=3)
KRING_NETWORKING_WEEKLY_DAYS = env.int("KRING_NETWORKING_WEEKLY_DAYS", default=7)
KRING_NETWORKING_WEEKLY_CHECK_SECONDS = env.float(
    "KRING_NETWORKING_WEEKLY_CHECK_SECONDS", default=3600.0
)

# --- Logs, errors, metrics -------------------------------------------------------------------
from config.logs import logging_config  # noqa: E402

KRING_LOG_FORMAT = env.str("KRING_LOG_FORMAT", default="console" if KRING_DEV else "json")
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), fmt=KRING_LOG_FORMAT)
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # config.logs binds the proxy-aware address

# Sentry, opt-in: errors (and logged errors) of web and worker processes; no personal data.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

# /metrics (config.metrics): from these addresses or networks, or with the bearer token.
KRING_METRICS_ALLOW = env.list("KRING_METRICS_ALLOW", default=["127.0.0.1/32", "::1/128"])
KRING_METRICS_TOKEN = env.str("KRING_METRICS_TOKEN", default="")

# --- Schools, self-assessment and mentoring (issue 13) ---------------------------------------
# A school's self-assessment aggregates (median per area) are shown to anyone but its lead
# only when at least this many staff answered (per area): fewer would reveal a person's answers.
KRING_SCHOOL_MIN_RESPONDENTS = env.int("KRING_SCHOOL_MIN_RESPONDENTS", default=3)
# The instrument new self-assessments use (a file under schools/instruments/, without .json).
KRING_SCHOOL_INSTRUMENT = env.str("KRING_SCHOOL_INSTRUMENT", default="selfie-2026")
# Schools one teacher may be linked to (one of them primary).
KRING_SCHOOL_MAX_LINKS_PER_TEACHER = env.int("KRING_SCHOOL_MAX_LINKS_PER_TEACHER", default=5)
# A mentoring plan's size: goals, planned visits and sessions, and its notes (characters).
KRING_MENTORING_MAX_GOALS = env.int("KRING_MENTORING_MAX_GOALS", default=30)
KRING_MENTORING_MAX_SESSIONS = env.int("KRING_MENTORING_MAX_SESSIONS", default=50)
KRING_MENTORING_NOTES_MAX = env.int("KRING_MENTORING_NOTES_MAX", default=5000)
# Teachers of both schools are reminded of a planned visit or session this long before it.
KRING_MENTORING_REMINDER_HOURS = env.int("KRING_MENTORING_REMINDER_HOURS", default=24)
KRING_MENTORING_REMINDER_CHECK_SECONDS = env.float(
    "KRING_MENTORING_REMINDER_CHECK_SECONDS", default=300.0
)
# Learning analytics (analytics/): daily rollups the worker keeps, and xAPI statements.
KRING_ANALYTICS_SWEEP_SECONDS = env.float("KRING_ANALYTICS_SWEEP_SECONDS", default=60.0)
# Rows are read once they are this old (transactions commit out of id order).
KRING_ANALYTICS_SWEEP_LAG_SECONDS = env.int("KRING_ANALYTICS_SWEEP_LAG_SECONDS", default=30)
KRING_ANALYTICS_SWEEP_BATCH = env.int("KRING_ANALYTICS_SWEEP_BATCH", default=20000)
# Once a day the last days are recomputed (what was taken back leaves no row to find).
KRING_ANALYTICS_SETTLE_DAYS = env.int("KRING_ANALYTICS_SETTLE_DAYS", default=7)
# Sessions with more attendees than this make no cross-border ties (an audience, not a meeting).
KRING_ANALYTICS_EVENT_TIE_MAX_ATTENDEES = env.int(
    "KRING_ANALYTICS_EVENT_TIE_MAX_ATTENDEES", default=40
)
# A member who joined within this many days is "new"; one silent this long is "dormant".
KRING_ANALYTICS_NEW_DAYS = env.int("KRING_ANALYTICS_NEW_DAYS", default=30)
KRING_ANALYTICS_DORMANT_DAYS = env.int("KRING_ANALYTICS_DORMANT_DAYS", default=30)
# One nudge per member and community in this many days; a facilitator's nudges per day.
KRING_ANALYTICS_NUDGE_INTERVAL_DAYS = env.int("KRING_ANALYTICS_NUDGE_INTERVAL_DAYS", default=14)
KRING_RATE_LIMITS["nudge"] = (env.int("KRING_NUDGES_PER_DAY", default=50), 86400)
KRING_ANALYTICS_MAX_TARGET = env.int("KRING_ANALYTICS_MAX_TARGET", default=100000)
# Weeks shown in the dashboard's charts, and the longest xAPI export range.
KRING_ANALYTICS_WEEKS = env.int("KRING_ANALYTICS_WEEKS", default=12)
KRING_XAPI_EXPORT_MAX_DAYS = env.int("KRING_XAPI_EXPORT_MAX_DAYS", default=366)
# xAPI: pseudonym key (empty: derived from SECRET_KEY; set it to keep actors stable when
# SECRET_KEY rotates), and an optional LRS to forward statements to.
KRING_XAPI_ACTOR_KEY = env.str("KRING_XAPI_ACTOR_KEY", default="")
KRING_XAPI_LRS_ENDPOINT = env.str("KRING_XAPI_LRS_ENDPOINT", default="")
KRING_XAPI_LRS_USERNAME = env.str("KRING_XAPI_LRS_USERNAME", default="")
KRING_XAPI_LRS_PASSWORD = env.str("KRING_XAPI_LRS_PASSWORD", default="")
KRING_XAPI_BATCH = env.int("KRING_XAPI_BATCH", default=50)
KRING_XAPI_TIMEOUT_SECONDS = env.float("KRING_XAPI_TIMEOUT_SECONDS", default=10.0)
KRING_XAPI_RETRY_SECONDS = env.int("KRING_XAPI_RETRY_SECONDS", default=60)
KRING_XAPI_MAX_ATTEMPTS = env.int("KRING_XAPI_MAX_ATTEMPTS", default=10)
