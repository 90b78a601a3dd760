"""Gunicorn's configuration: `gunicorn -c config/gunicorn.py config.wsgi`.

Threaded workers (gthread): a sign-in spends most of its time in Argon2, which releases the GIL, and
most other requests wait on PostgreSQL, so threads let one process serve other requests while a
sign-in hashes or a query runs. With sync workers each sign-in held a whole process, and thirty
practitioners signing in at nine queued behind each other (docs/architecture.md, bench/README.md).
Each thread keeps its own database connection (DATABASE_CONN_MAX_AGE), so PostgreSQL needs
workers × threads connections per web server.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 8))
# Longer than the slowest page (a large CAF section) with room to spare; PDFs are made by Celery workers.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Restart a worker after this many requests (with jitter, so they do not restart together) to bound
# any slow growth in memory.
max_requests = 2000
max_requests_jitter = 200
# "-" is standard output; set it empty to turn the access log off (bench/sign_in.py does).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Paths and status only: query strings never carry personal data here, but the access log should not
# be where that promise is tested. Referrer and user agent are left out for the same reason.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request=%({x-request-id}o)s'
# Gunicorn's control socket (for `gunicornc`) defaults to one path per user account, so two servers on one
# machine (web and a benchmark, or two releases side by side) would contend for it. Nothing here uses it.
control_socket_disable = True
