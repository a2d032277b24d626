# Kring: one image for web, worker and release. Multi-stage: build wheels and static files,
# then a slim runtime that runs as an unprivileged user. See compose.yaml and deploy/.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY config ./config
COPY community ./community
COPY facilitators ./facilitators
COPY realtime ./realtime
COPY delivery ./delivery
COPY resources ./resources
RUN pip install ".[saml]"
COPY manage.py ./
COPY templates ./templates
COPY static ./static
# Static files are collected (hashed, compressed) at build time, not at release. The
# settings need a key and mail to load: a throwaway development setting, for this step only.
RUN KRING_DEV=1 STATIC_MANIFEST=true SECRET_KEY=collectstatic-only \
    python manage.py collectstatic --noinput

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    STATIC_MANIFEST=true PORT=8000 MEDIA_ROOT=/srv/kring/media
RUN groupadd --system --gid 10001 kring \
    && useradd --system --uid 10001 --gid kring --home-dir /srv/kring --no-create-home kring \
    && mkdir -p /srv/kring/media && chown -R kring:kring /srv/kring
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /src /srv/kring/app
WORKDIR /srv/kring/app
USER kring
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz/live', timeout=2)"
# The Procfile's web process (python -m config.server: daphne with bounded requests).
CMD ["sh", "-c", "exec python -m config.server --host 0.0.0.0 --port ${PORT}"]
