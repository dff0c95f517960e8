# syntax=docker/dockerfile:1.7
# One image per service, from the workspace lock file:
#   docker build -f infra/docker/service.Dockerfile --build-arg SERVICE=intake -t slrt-intake .
# SERVICE is the folder under services/ (intake, referral, agency-gateway, monitoring).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
ARG UV_VERSION=0.9.5
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_FROZEN=1
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /app
# Dependencies first, from the lock file alone, so code changes reuse this layer.
COPY pyproject.toml uv.lock ./
COPY shared/pyproject.toml shared/
COPY infra/local/pyproject.toml infra/local/
COPY services/intake/pyproject.toml services/intake/
COPY services/referral/pyproject.toml services/referral/
COPY services/agency-gateway/pyproject.toml services/agency-gateway/
COPY services/monitoring/pyproject.toml services/monitoring/
COPY bench/pyproject.toml bench/
RUN --mount=type=cache,target=/root/.cache/uv \
    PACKAGE="$(sed -n 's/^name = "\(.*\)"/\1/p' services/${SERVICE}/pyproject.toml | head -1)" \
    && uv sync --no-dev --no-install-workspace --package "${PACKAGE}"
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/
RUN --mount=type=cache,target=/root/.cache/uv \
    PACKAGE="$(sed -n 's/^name = "\(.*\)"/\1/p' services/${SERVICE}/pyproject.toml | head -1)" \
    && uv sync --no-dev --package "${PACKAGE}" \
    && rm -rf services/${SERVICE}/tests shared/tests

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ARG MODULE
ARG PORT
# Debian packages a service needs at run time, none by default. Monitoring prints its monthly
# bulletin to PDF with a headless Chromium (MONITORING_PDF_CHROMIUM): build it with
# --build-arg EXTRA_PACKAGES=chromium to serve /buletin.pdf; without, that answers 503.
ARG EXTRA_PACKAGES=""
RUN if [ -n "${EXTRA_PACKAGES}" ]; then \
        apt-get update && apt-get install -y --no-install-recommends ${EXTRA_PACKAGES} \
        && rm -rf /var/lib/apt/lists/*; \
    fi
RUN groupadd --system --gid 10001 slrt \
    && useradd --system --uid 10001 --gid slrt --no-create-home --shell /usr/sbin/nologin slrt
WORKDIR /app
# The virtualenv with the workspace packages installed editable: migrations and calendars are
# read from the source folders next to it.
COPY --from=build --chown=root:root /app/.venv /app/.venv
COPY --from=build --chown=root:root /app/shared /app/shared
COPY --from=build --chown=root:root /app/services/${SERVICE} /app/services/${SERVICE}
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SLRT_MODULE=${MODULE} \
    SLRT_PORT=${PORT}
USER 10001:10001
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"SLRT_PORT\"]}/healthz', timeout=2)"]
ENTRYPOINT ["/bin/sh", "-c", "exec python -m \"$SLRT_MODULE\" \"$@\"", "--"]
CMD ["serve"]
