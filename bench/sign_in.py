"""Thirty practitioners signing in at once, against gunicorn with production settings.

    .venv/bin/python bench/sign_in.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench_sign_in

It creates the database if it is missing (its name must contain "bench"), migrates it, gives it
--clients practitioners with the current password hasher, runs `collectstatic` into a temporary
folder and starts gunicorn with config/gunicorn.py in production settings (DJANGO_DEBUG=false, over
plain HTTP on loopback through DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK). Then, over real HTTP:

- one sign-in at a time, and the bare page (GET of the sign-in page: the same middleware and base
  template, without the password check) one at a time;
- --rounds rounds of --clients sign-ins released together (each client has fetched the sign-in page
  and its CSRF token beforehand, so only the POST is timed), as many bare pages at once, and as many
  bare pages released together with as many sign-ins (what everyone else waits while people sign in).

It prints the median, 95th percentile and worst time of each in milliseconds, and the median's ratio
to the bare page's at the same concurrency. `--worker-class sync --threads 1 --old-hashes` measures
the set-up this replaced: sync workers and every password hashed with Django's default Argon2
parameters (re-hashed at each sign-in, so every round is reset to the old hashes first).
"""

import argparse
import http.client
import os
import re
import runpy
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tac_bench_sign_in"
PASSWORD = "benchmark-password-not-secret"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--port", type=int, default=8131, help="for gunicorn, on 127.0.0.1 (default 8131)")
    parser.add_argument("--clients", type=int, default=30, help="sign-ins released together (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of concurrent sign-ins (default 3)")
    parser.add_argument("--single", type=int, default=20, help="one-at-a-time requests of each kind (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: config/gunicorn.py's)")
    parser.add_argument("--worker-class", help="gunicorn worker class (default: config/gunicorn.py's, gthread)")
    parser.add_argument("--old-hashes", action="store_true", help="hash every password with Django's defaults first")
    return parser.parse_args()


# --- Setting up ---------------------------------------------------------------------------------------


def create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing database {name!r}: a benchmark database's name contains 'bench'")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "true"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def practitioners(count: int) -> list[str]:
    from django.contrib.auth.hashers import make_password

    from agencies.models import Agency, Membership, User

    agency, _ = Agency.objects.get_or_create(
        name="Sign-in Benchmark School", defaults={"kind": Agency.Kind.SCHOOL, "sector": Agency.Sector.STATUTORY}
    )
    current = make_password(PASSWORD)
    emails = []
    for n in range(count):
        email = f"signin{n:03d}@bench.invalid"
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": f"Practitioner {n}"})
        user.password = current
        user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, agency=agency, defaults={"role": Membership.Role.PRACTITIONER})
        emails.append(email)
    return emails


def use_old_hashes(emails: list[str]) -> None:
    from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

    from agencies.models import User

    User.objects.filter(email__in=emails).update(password=make_password(PASSWORD, hasher=Argon2PasswordHasher()))


def production_environment(args, static_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK="true",
        DATABASE_URL=args.database_url,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_STATIC_ROOT=static_root,
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"127.0.0.1:{args.port}",
        GUNICORN_WORKERS=str(args.workers),
        GUNICORN_ACCESS_LOG="",
    )
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


def start_gunicorn(args, env) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"]
    if args.worker_class:
        command += ["--worker-class", args.worker_class]
    server = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True)
    for _ in range(120):
        try:
            status, _, _ = bare_page(args.port)
            if status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            sys.exit("gunicorn stopped while starting")
        time.sleep(0.5)
    sys.exit("gunicorn never answered")


# --- Requests -----------------------------------------------------------------------------------------


def bare_page(port: int) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", "/sign-in/")
    response = connection.getresponse()
    body = response.read().decode()
    cookies = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])
    connection.close()
    return response.status, body, cookies


class SignIn:
    """One practitioner's sign-in: the page and token fetched first, then the POST, which alone is timed."""

    def __init__(self, port: int, email: str):
        self.port = port
        _, body, self.cookies = bare_page(port)
        token = TOKEN.search(body).group(1)
        self.form = urlencode({"csrfmiddlewaretoken": token, "username": email, "password": PASSWORD})

    def post(self) -> float:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        started = time.perf_counter()
        connection.request(
            "POST",
            "/sign-in/",
            body=self.form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookies},
        )
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        if response.status != 302:
            raise RuntimeError(f"sign-in answered {response.status}")
        return elapsed


def timed_bare_page(port: int) -> float:
    started = time.perf_counter()
    status, _, _ = bare_page(port)
    if status != 200:
        raise RuntimeError(f"the sign-in page answered {status}")
    return time.perf_counter() - started


def all_at_once(calls) -> list[float]:
    """Run the calls in threads released together; their times in the calls' order."""
    barrier = threading.Barrier(len(calls))
    results: list[float] = [0.0] * len(calls)
    errors: list[Exception] = []

    def run(n, call):
        barrier.wait()
        try:
            results[n] = call()
        except Exception as error:  # reported after the round, so one failure does not hang the barrier
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


# --- Reporting ----------------------------------------------------------------------------------------


def summary(seconds: list[float]) -> tuple[float, float, float]:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return statistics.median(ms), p95, ms[-1]


def main():
    args = parse_args()
    create_database(args.database_url)
    setup_django(args.database_url)
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    emails = practitioners(args.clients)
    hasher = settings.PASSWORD_HASHERS[0]

    with tempfile.TemporaryDirectory() as static_root:
        env = production_environment(args, static_root)
        print("collectstatic (production storage) ...", flush=True)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True
        )
        server = start_gunicorn(args, env)
        try:
            # Warm every worker and thread (database connections, templates) before timing.
            for email in emails[:10]:
                SignIn(args.port, email).post()
            if args.old_hashes:
                use_old_hashes(emails)
            single_sign_ins = []
            for n in range(args.single):
                if args.old_hashes:
                    use_old_hashes(emails)
                single_sign_ins.append(SignIn(args.port, emails[n % len(emails)]).post())
            single_bare = [timed_bare_page(args.port) for _ in range(args.single)]
            together_sign_ins, together_bare, bare_during_sign_ins = [], [], []
            bare = [lambda: timed_bare_page(args.port)] * args.clients
            for _ in range(args.rounds):
                if args.old_hashes:
                    use_old_hashes(emails)
                sign_ins = [SignIn(args.port, email) for email in emails]
                together_sign_ins += all_at_once([s.post for s in sign_ins])
                together_bare += all_at_once(bare)
                # Everyone else's pages while the sign-ins hash: the sign-ins' times are not counted again.
                if args.old_hashes:
                    use_old_hashes(emails)
                sign_ins = [SignIn(args.port, email) for email in emails]
                bare_during_sign_ins += all_at_once([s.post for s in sign_ins] + bare)[args.clients :]
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    worker_class = args.worker_class or "gthread"
    threads = args.threads or runpy.run_path(str(REPO / "config" / "gunicorn.py"))["threads"]
    print()
    print(f"{datetime.now():%Y-%m-%d %H:%M}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"gunicorn: {args.workers} workers, {worker_class}, {threads} threads each; hasher {hasher}")
    old = "Django's default Argon2 (100 MiB, 8 lanes), re-hashed at each sign-in"
    print(f"passwords: {old if args.old_hashes else 'current hasher parameters'}")
    print()
    print(f"{'':<34}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p50 ÷ bare':>12}")
    bare_alone = summary(single_bare)[0]
    bare_together = summary(together_bare)[0]
    rows = [
        ("bare page, one at a time", single_bare, bare_alone),
        ("sign-in, one at a time", single_sign_ins, bare_alone),
        (f"bare page, {args.clients} at once", together_bare, bare_together),
        (f"sign-in, {args.clients} at once", together_sign_ins, bare_together),
        (f"bare page, during {args.clients} sign-ins", bare_during_sign_ins, bare_together),
    ]
    for label, seconds, bare in rows:
        p50, p95, worst = summary(seconds)
        print(f"{label:<34}{len(seconds):>5}{p50:>9.0f}{p95:>9.0f}{worst:>9.0f}{p50 / bare:>11.1f}×")


if __name__ == "__main__":
    main()
