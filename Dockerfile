# Tandem production image: one image for web (gunicorn), Celery worker, Celery beat
# and the one-shot migrate job; docker-compose.yml picks the command for each.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_ENV=production \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# The app runs as an unprivileged user with a home directory (gunicorn keeps its
# control socket under $HOME). The code stays owned by root, so the app cannot
# rewrite it.
RUN groupadd --system --gid 10001 tandem \
    && useradd --system --uid 10001 --gid tandem --create-home --home-dir /home/tandem --shell /usr/sbin/nologin tandem

# Runtime pins only, each checked against its hashes: no embedded servers, no Faker, no
# test or lint tools (requirements/local.txt and dev.txt add those).
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt

COPY . .

# Static files are collected once, into the image, and served by WhiteNoise.
# Settings refuse to load in production without these four variables; the values
# below exist only for this build step (nothing connects to them) and are not
# kept in the image. Real values come from deploy/production.env at run time.
RUN SECRET_KEY=build-only-not-a-secret-collectstatic-0000000000000000 \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build:build@build.invalid:5432/build \
    REDIS_URL=redis://build.invalid:6379/0 \
    python manage.py collectstatic --no-input --verbosity 0

# Case documents: a named volume mounted here starts with this directory's owner.
RUN mkdir -p /app/media && chown tandem:tandem /app/media

USER tandem

EXPOSE 8000

# gthread: a few processes with a few threads each; each thread holds at most one
# database connection (CONN_MAX_AGE=60), so one container opens up to workers x threads.
# No access log here: the load balancer logs requests, and a set-password link's
# token must not be written to application logs. Override any flag with GUNICORN_CMD_ARGS.
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--worker-class", "gthread", \
     "--threads", "4", \
     "--timeout", "60", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--error-logfile", "-"]
