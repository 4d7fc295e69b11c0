# syntax=docker/dockerfile:1
# One image for every service; the service is chosen by the arguments:
#   python -m services.common.run <service>       (the service, foreground; SIGTERM stops it cleanly)
#   python -m services.common.migrate <service>   (alembic upgrade head, idempotent)
#   docker build -t ghcr.io/workers-culture/platform:0.1.0 .

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# The pinned dependencies first, from pyproject.toml alone: this layer is rebuilt only when they
# change, not on every code change. (psycopg2-binary ships wheels: no compiler needed.)
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt
# Then the code itself (migrations and alembic.ini travel as package data).
COPY services/ services/
RUN pip install --no-deps .

FROM python:3.11-slim
# CULTURE_VAR_DIR only matters for a SQLite fallback (a cluster always sets PostgreSQL URLs); /tmp
# is the one writable path under readOnlyRootFilesystem. The .pyc files were compiled at install.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CULTURE_VAR_DIR=/tmp
RUN groupadd --system --gid 10001 culture \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin culture
COPY --from=build /opt/venv /opt/venv
# Numeric, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
WORKDIR /tmp
# The metrics ports (/metrics and /healthz): registry, events, talent, awards.
EXPOSE 9101 9102 9103 9104
CMD ["python", "-m", "services.common.run", "registry"]
