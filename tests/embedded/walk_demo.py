"""Run inside a process on the embedded default (SQLite, in-process tasks): load the demo and ask for
every page a demo user's own pages link to, as each demo user, printing any answer of 500 or more.

Used by tests/embedded/test_embedded_default.py, which runs it on a SQLite file of its own
and without a broker (tasks in-process), as `make run` does."""

import os
import re
import sys
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, whatever the working folder
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from agencies.models import User  # noqa: E402

call_command("migrate", verbosity=0, interactive=False)
call_command("load_demo_data", verbosity=0)

LINK = re.compile(r'href="(/[^"#?]*)"')
START = ["/", "/children/", "/actions/", "/notifications/", "/referrals/inbox/", "/referrals/sent/", "/directory/"]
SKIP = ("/sign-out/", "/static/", "/admin/", "/download/", "/pdf/")
failures, seen_pages = [], 0
for user in User.objects.filter(is_active=True, is_superuser=False).order_by("email"):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    queue, seen = list(START), set()
    while queue and len(seen) < 60:
        path = queue.pop(0)
        if path in seen or any(part in path for part in SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        seen_pages += 1
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {path} as {user.email}")
        elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
            queue.extend(p for p in LINK.findall(response.content.decode()) if p not in seen)
print(f"pages asked: {seen_pages}")
for failure in failures:
    print("FAILED", failure)
sys.exit(1 if failures else 0)
