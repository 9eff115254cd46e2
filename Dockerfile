# Production image: gunicorn serving the API and the admin (static files through WhiteNoise).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 app && mkdir -p /app/media && chown app /app/media
USER app
EXPOSE 8000
# gunicorn.conf.py (read from /app) sets the bind address, workers from the CPU count (WEB_CONCURRENCY
# overrides), timeouts and the masked access log.
CMD ["gunicorn", "config.wsgi"]
