"""Every page of issue 12's table, served by gunicorn with production settings and timed over HTTP
side by side with a bare Django page, at one client and at eight, plus the 30-user mixed journey.

    nice -n 10 .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/tac_bench_pages

Fill the database first with bench/generate_children.py (100,000 children). On its first run this script
adds, with bulk_create where it can (no history rows: synthetic data nobody changed):
- referrals: --inbox (10,000) to the busiest practitioner's agency, 1,000 to the median one's, 30 to the
  smallest agency's and --more-referrals (40,000) at random (bench/referral_inbox.py's generator);
- the public directory of 5,000 services (bench/directory_pages.py's generator, published by the service);
- for each measured practitioner, and for the 30 journey users, draft CAFs with every text section and
  element written (through caf.services, so the revisions are real).

Then it collects the static files and starts gunicorn (2 workers, the product's worker class) on
127.0.0.1 with DJANGO_DEBUG=false and the bench-only settings module bench.settings (the product's
settings plus the bare page's URL and a middleware that counts each request's SQL queries into the
X-Bench-Queries header). Each client is a thread with its own http.client connection and cookie jar,
and signs in with a real POST to /sign-in/ (the CSRF token taken from the form). Each client repeats
rounds of every page in a shuffled order, each page request followed by a request for the bare page,
and the script prints p50, p95 and p99 (nearest rank, milliseconds), the ratio p50 / the bare page's
p50 in the same run, and the queries per request as the server counted them. See bench/README.md.
"""

import argparse
import http.client
import math
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
for _path in (str(BENCH), str(REPO)):  # the sibling bench scripts, and the project
    if _path not in sys.path:
        sys.path.insert(0, _path)

from generate_children import BENCH_PASSWORD, prepare_database  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tac_bench_pages"
DEFAULT_PORT = 8180
WORKERS = 2  # as issue 12 measured
GUNICORN_CONFIG = REPO / "config" / "gunicorn.py"  # the product's production configuration (gthread)
DIRECTORY_SLUG = "bench-primary-school"  # directory_pages.generate publishes this one
BARE = "bare page"
# The CAF sections with text fields, in the order clients of one practitioner are given them, so that no
# two clients autosave the same section of the same CAF (which would be a real conflict, not a save).
TEXT_SECTIONS = ("conclusions", "child-views", "parent-views", "services", "family", "assessment-information")
JOURNEY_STEPS = ("children list", "child's page", "CAF section page", "CAF autosave", "referral inbox")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"default {DEFAULT_DATABASE_URL}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"gunicorn's port on 127.0.0.1 ({DEFAULT_PORT})")
    parser.add_argument("--clients", default="1,8", help="concurrency levels, comma-separated (default 1,8)")
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds of every page at one client (30)")
    parser.add_argument(
        "--concurrent-rounds", type=int, default=8, help="timed rounds per client above one client (default 8)"
    )
    parser.add_argument("--warmup-rounds", type=int, default=1, help="untimed rounds first, per client (default 1)")
    parser.add_argument("--journey-users", type=int, default=30, help="users in the mixed journey (30; 0 skips it)")
    parser.add_argument("--journey-rounds", type=int, default=3, help="times each user walks the journey (3)")
    parser.add_argument("--think", type=float, default=1.0, help="think time after each journey step, s (1.0)")
    parser.add_argument("--inbox", type=int, default=10_000, help="referrals to the busiest agency (10,000)")
    parser.add_argument("--more-referrals", type=int, default=40_000, help="other referrals, at random (40,000)")
    parser.add_argument("--services", type=int, default=5_000, help="services in the public directory (5,000)")
    parser.add_argument("--personas", default="busiest,median,smallest", help="whose pages to time")
    parser.add_argument("--seed", type=int, default=12)
    return parser.parse_args(argv)


# --- The server's environment ---------------------------------------------------------------------


def server_environment(database_url: str, static_root: str) -> dict[str, str]:
    """The environment gunicorn (and collectstatic) run with: the product's production settings, adapted
    only as far as serving plain HTTP on loopback needs. Kept in this one function so it can follow the
    product's documented switch for that once it exists."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # one per run, shared by both workers
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: no redirect to https. Cookies stay Secure; the bench's client sends
            # them over HTTP anyway (a browser would not).
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_HSTS_SECONDS": "0",
            # Production names its email backend explicitly; the measured pages send no email.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "EMAIL_HOST": "",
            # No broker: a task would run in-process. None of the measured pages queues one.
            "CELERY_BROKER_URL": "",
            "DJANGO_STATIC_ROOT": static_root,
            "DJANGO_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p),
        }
    )
    return env


def gunicorn_command(port: int) -> list[str]:
    command = [sys.executable, "-m", "gunicorn"]
    if GUNICORN_CONFIG.exists():
        command += ["--config", str(GUNICORN_CONFIG)]
    # After the config file, so these win: the bench's port and the two workers. No control socket:
    # gunicorn's default one is a single path per user, shared with every other gunicorn on the machine.
    return command + [
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--no-control-socket",
        "--chdir",
        str(REPO),
        "config.wsgi",
    ]


class Server:
    """gunicorn started for the run, stopped (by its own process id) at the end."""

    def __init__(self, env: dict[str, str], port: int):
        self.port = port
        self.log = tempfile.NamedTemporaryFile(prefix="bench-pages-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            gunicorn_command(port), env=env, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited ({self.process.returncode}); its log: {self.log.name}")
            try:
                status, _, _ = HttpClient(self.port).request("GET", "/sign-in/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        sys.exit(f"gunicorn did not answer within {timeout:.0f} s; its log: {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- The HTTP client ------------------------------------------------------------------------------

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')
REVISION = re.compile(rb'name="revision" value="(\d+)"')


class HttpClient:
    """One user's browser, as far as the bench needs: a connection and a cookie jar (http.client only)."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.connection = http.client.HTTPConnection(host, port, timeout=300)
        self.host = f"{host}:{port}"
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        """(status, headers, body). Reconnects if the server closed the connection (sync workers do)."""
        sent = {"Host": self.host, "Accept": "text/html,application/json"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=data, headers=sent)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        if response.will_close:
            self.connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.msg, content

    def sign_in(self, email: str, password: str = BENCH_PASSWORD) -> None:
        status, _, page = self.request("GET", "/sign-in/")
        token = CSRF_INPUT.search(page)
        if status != 200 or not token:
            raise RuntimeError(f"GET /sign-in/ answered {status} without a CSRF token")
        form = {"username": email, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
        status, headers, _ = self.request("POST", "/sign-in/", form)
        if status != 302 or not any(name.endswith("sessionid") for name in self.cookies):
            raise RuntimeError(f"Signing in {email} answered {status}, not a redirect with a session")
        # Django rotates the CSRF token at sign-in: take the new one from a page, as the page's htmx does.
        status, _, page = self.request("GET", "/bench/bare/")
        meta = CSRF_META.search(page)
        if status != 200 or not meta:
            raise RuntimeError(f"GET /bench/bare/ after signing in answered {status}")
        self.csrf_token = meta.group(1).decode()


# --- What is requested ----------------------------------------------------------------------------


@dataclass
class Sample:
    label: str
    ms: float  # as the client waited: connecting, queueing for a worker, Django, the network
    queries: int | None
    ok: bool
    server_ms: float | None = None  # inside Django only (X-Bench-Server-Ms)


@dataclass
class Page:
    """A request to time. `body` makes a POST; `expect` is a byte string the answer must contain."""

    label: str
    path: str
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    expect: bytes = b""
    status: int = 200
    session: str = "own"  # or "lead": sent with the busiest lead professional's session

    def send(self, client: HttpClient) -> Sample:
        body = self.form(client)
        headers = dict(self.headers)
        if body is not None:
            headers["X-CSRFToken"] = client.csrf_token
        started = time.perf_counter()
        try:
            status, response_headers, content = client.request(
                "POST" if body is not None else "GET", self.path, body, headers
            )
        except OSError:
            return Sample(self.label, (time.perf_counter() - started) * 1000, None, False)
        elapsed = (time.perf_counter() - started) * 1000
        ok = status == self.status and self.expect in content
        self.after(content, ok)
        queries = response_headers.get("X-Bench-Queries")
        server_ms = response_headers.get("X-Bench-Server-Ms")
        return Sample(
            self.label, elapsed, int(queries) if queries else None, ok, float(server_ms) if server_ms else None
        )

    def form(self, client: HttpClient) -> dict | None:
        if self.body is None:
            return None
        return {**self.body, "csrfmiddlewaretoken": client.csrf_token}

    def after(self, content: bytes, ok: bool) -> None:
        pass


class Autosave(Page):
    """The htmx autosave of one CAF section: each request a real save, from the revision the last one gave."""

    def __init__(self, label: str, caf_id: int, key: str, fields: list[str], revision: int):
        super().__init__(
            label,
            f"/caf/{caf_id}/sections/{key}/autosave/",
            body={},
            headers={"X-Autosave": "1", "HX-Request": "true"},
            expect=b"Saved at",
        )
        self.fields, self.revision, self.saves = fields, revision, 0

    def form(self, client: HttpClient) -> dict:
        self.saves += 1
        text = f"Benchmark text, save {self.saves}. " * 20
        return {"revision": self.revision, **dict.fromkeys(self.fields, text), "csrfmiddlewaretoken": client.csrf_token}

    def after(self, content: bytes, ok: bool) -> None:
        found = REVISION.search(content)
        if ok and found:
            self.revision = int(found.group(1))


# --- The data the pages need ----------------------------------------------------------------------


@dataclass
class Persona:
    """A practitioner whose pages are timed, with what their pages are about."""

    role: str  # busiest, median, smallest, or a journey user's number
    email: str
    user_id: int
    agency_id: int  # their inbox
    agency_name: str
    visible: int = 0  # children they see
    cafs: list[tuple[int, int, str, str]] = field(default_factory=list)  # (caf id, child id, first, last name)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DJANGO_DEBUG", "true")  # this process only prepares data
    # Adding the directory's co-ordinator sends an invitation: keep it out of the output.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["EMAIL_HOST"] = ""
    import django

    django.setup()


def ranked_practitioners() -> list[tuple[int, int]]:
    """(user id, current involvements of their current agencies), busiest first, practitioners only."""
    from django.db.models import Count, Q

    from agencies.models import Membership, User
    from config.current import current_via

    rows = (
        User.objects.filter(current_via("memberships"), memberships__role=Membership.Role.PRACTITIONER)
        .annotate(
            n=Count(
                "memberships__agency__involvements",
                filter=Q(current_via("memberships__agency__involvements")),
            )
        )
        .filter(n__gt=0)
        .order_by("-n", "pk")
        .values_list("pk", "n")
    )
    return list(rows)


def smallest_agency_practitioner() -> int:
    """A practitioner who belongs only to the agency with the fewest current involvements (at least one)."""
    from django.db.models import Count, Q

    from agencies.models import Agency, Membership
    from config.current import current_via

    agencies = (
        Agency.objects.annotate(
            n=Count("involvements", filter=Q(current_via("involvements")), distinct=True),
            members=Count(
                "memberships",
                filter=Q(current_via("memberships"), memberships__role=Membership.Role.PRACTITIONER),
                distinct=True,
            ),
        )
        .filter(n__gt=0, members__gt=0)
        .order_by("n", "pk")
    )
    for agency in agencies[:20]:
        for membership in agency.memberships.filter(ended_on__isnull=True, role=Membership.Role.PRACTITIONER):
            if membership.user.memberships.current().count() == 1:
                return membership.user_id
    return agencies[0].memberships.current().first().user_id


def persona_for(role: str, user_id: int) -> Persona:
    from agencies import access
    from agencies.models import User

    user = User.objects.get(pk=user_id)
    # Their inbox: the agency of theirs that works with the most children.
    agency = max(access.agencies_of(user), key=lambda a: (a.involvements.current().count(), -a.pk))
    return Persona(role, user.email, user.pk, agency.pk, agency.name)


def add_referrals(personas: dict[str, Persona], args) -> None:
    """Referrals to the measured practitioners' agencies (busiest: --inbox) and others at random."""
    from django.db import transaction
    from django.utils import timezone
    from referral_inbox import BATCH, synthetic_referrals

    from agencies.models import Agency, Membership
    from children.models import Child
    from referrals.models import Referral

    if Referral.objects.exists():
        return
    rng = random.Random(args.seed)
    members: dict[int, list[int]] = {}
    for agency_id, user_id in Membership.objects.current().values_list("agency_id", "user_id"):
        members.setdefault(agency_id, []).append(user_id)
    senders = list(Agency.objects.filter(pk__in=members))
    by_id = {a.pk: a for a in senders}
    children = list(Child.objects.only("pk").order_by("pk"))
    sizes = {"busiest": args.inbox, "median": max(1, args.inbox // 10), "smallest": 30}
    targets = []
    for role, size in sizes.items():
        if role in personas:
            targets += [by_id[personas[role].agency_id]] * size
    targets += [rng.choice(senders) for _ in range(args.more_referrals)]
    rng.shuffle(targets)
    now = timezone.now()
    for start in range(0, len(targets), BATCH):
        batch = synthetic_referrals(rng, targets[start : start + BATCH], senders, members, children, now)
        with transaction.atomic():
            Referral.objects.bulk_create(batch, batch_size=BATCH)
    print(f"  {len(targets):,} referrals")
    # bulk_create skips the services, which keep the coverage table: rebuild it (set-based) from the rule.
    from agencies import access

    print(f"  {access.rebuild_coverage():,} coverage rows")


def add_cafs(persona: Persona, wanted: int, taken: set[int]) -> None:
    """Up to `wanted` draft CAFs on children the persona may edit and no other persona has (`taken`: child
    ids), every text section and element written."""
    from caf_pages import draft_caf, editable_children

    from agencies.models import User
    from caf import services
    from caf.models import Element
    from caf.sections import ELEMENT_FIELDS, SECTIONS, element_key

    user = User.objects.get(pk=persona.user_id)
    for child in editable_children(user, scan=400):
        if len(persona.cafs) >= wanted:
            break
        if child.pk in taken:
            continue
        try:
            caf = draft_caf(user, child)
        except Exception:  # someone else's open CAF that is not a draft, or a rule refusing: try another child
            continue
        if not caf.entries.exists():
            text = "Synthetic benchmark text, as a practitioner might write it. " * 12
            for section in SECTIONS:
                if section.fields:
                    data = {f.name: text for f in section.fields}
                    services.section_save(actor=user, assessment=caf, key=section.key, data=data, base_revision=0)
            for element in Element.objects.all():
                data = dict.fromkeys((f.name for f in ELEMENT_FIELDS), text)
                services.section_save(
                    actor=user,
                    assessment=caf,
                    key=element_key(element.code),
                    data=data,
                    base_revision=0,
                    element=element,
                )
        persona.cafs.append((caf.pk, child.pk, child.first_name, child.last_name))
        taken.add(child.pk)


def prepare(args) -> tuple[dict[str, Persona], list[Persona]]:
    from directory_pages import generate as generate_directory
    from django.core.management import call_command
    from django.db import connection, connections

    from agencies import access
    from agencies.models import User
    from children.models import Child

    call_command("migrate", verbosity=0, interactive=False)
    children = Child.objects.count()
    if not children:
        sys.exit("No children: fill the database first with bench/generate_children.py")
    ranking = ranked_practitioners()
    roles = {
        "busiest": ranking[0][0],
        "median": ranking[len(ranking) // 2][0],
        "smallest": smallest_agency_practitioner(),
    }
    wanted = [r.strip() for r in args.personas.split(",") if r.strip()]
    personas = {role: persona_for(role, roles[role]) for role in wanted}
    print(f"{children:,} children. Preparing the pages' data (first run only)")
    add_referrals(personas, args)
    generate_directory(args.services)
    taken: set[int] = set()
    for persona in personas.values():
        add_cafs(persona, 8, taken)
    journey = []
    if args.journey_users:
        # Every (n/60)th practitioner of the ranking: the busier half, with room to skip any with no child to edit.
        step = max(1, len(ranking) // (args.journey_users * 2))
        for user_id, _ in ranking[::step]:
            if len(journey) == args.journey_users:
                break
            candidate = persona_for(f"journey {len(journey) + 1}", user_id)
            add_cafs(candidate, 1, taken)
            if candidate.cafs:
                journey.append(candidate)
    for persona in [*personas.values(), *journey]:
        user = User.objects.get(pk=persona.user_id)
        persona.visible = access.children_visible_to(user).count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connections.close_all()
    return personas, journey


def pages_for(persona: Persona, client_index: int, lead_email: str | None) -> list[Page]:
    """The pages of issue 12's table for one client of this persona."""
    from caf.sections import SECTIONS_BY_KEY

    caf_id, child_id, first_name, last_name = persona.cafs[client_index % len(persona.cafs)]
    key = TEXT_SECTIONS[(client_index // len(persona.cafs)) % len(TEXT_SECTIONS)]
    fields = [f.name for f in SECTIONS_BY_KEY[key].fields]
    pages = [
        Page("home page", "/"),
        Page("children list", "/children/"),
        Page("child index search (POST)", "/children/search/", body={"first_name": first_name, "last_name": last_name}),
        Page("child's page", f"/children/{child_id}/"),
        Page("referral inbox", f"/referrals/inbox/?agency={persona.agency_id}&tab=awaiting"),
        Page("CAF section page", f"/caf/{caf_id}/sections/{key}/"),
        Page("public directory, 5,000 services", f"/directory/published/{DIRECTORY_SLUG}/"),
        Page("ORUK /openreferral/services, 50", "/openreferral/services?per_page=50"),
        Autosave("CAF autosave (POST)", caf_id, key, fields, revision=0),
    ]
    if lead_email:
        pages.insert(1, Page("home page, busiest lead professional", "/", session="lead"))
    return pages


def busiest_lead_email() -> str:
    from django.db.models import Count

    from agencies.models import User
    from children.models import LeadProfessional

    top = (
        LeadProfessional.objects.current()
        .values("practitioner")
        .annotate(n=Count("pk"))
        .order_by("-n", "practitioner")
        .first()
    )
    return User.objects.get(pk=top["practitioner"]).email


# --- Measuring ------------------------------------------------------------------------------------


def current_revision(client: HttpClient, page: Autosave) -> None:
    """Start from the revision the section page shows (a client's earlier run may have saved it)."""
    _, _, content = client.request("GET", page.path.removesuffix("autosave/"))
    found = REVISION.search(content)
    page.revision = int(found.group(1)) if found else 0


def run_clients(persona: Persona, clients: int, rounds: int, warmups: int, port: int, lead_email, seed) -> list:
    """`clients` threads, each signed in as the persona, each doing warm-up then timed rounds of every page
    in a shuffled order, each page followed by the bare page. Returns the timed samples, the seconds from
    the start to the last client's end and the requests sent in that time (warm-up rounds included)."""
    sessions = []
    for index in range(clients):
        client = HttpClient(port)
        client.sign_in(persona.email)
        lead = None
        if lead_email:
            lead = HttpClient(port)
            lead.sign_in(lead_email)
        pages = pages_for(persona, index, lead_email)
        for page in pages:
            if isinstance(page, Autosave):
                current_revision(client, page)
        sessions.append((client, lead, pages))
    bare = Page(BARE, "/bench/bare/", expect=b"Bare page")
    samples: list[Sample] = []
    lock = threading.Lock()
    timed_from = [0.0]
    start = threading.Barrier(clients, action=lambda: timed_from.__setitem__(0, time.perf_counter()))

    def work(index: int) -> None:
        client, lead, pages = sessions[index]
        rng = random.Random(seed * 1000 + index)
        start.wait()
        mine = []
        for round_number in range(warmups + rounds):
            order = pages[:]
            rng.shuffle(order)
            for page in order:
                sample = page.send(lead if page.session == "lead" else client)
                bare_sample = bare.send(client)
                if round_number >= warmups:
                    mine += [sample, bare_sample]
        with lock:
            samples.extend(mine)
            sent[0] += (warmups + rounds) * len(pages) * 2

    sent = [0]
    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - timed_from[0], sent[0]


def nearest_rank(ranked: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values: the smallest value at or above `share` of them."""
    return ranked[max(0, math.ceil(share * len(ranked)) - 1)]


@dataclass
class Row:
    label: str
    n: int
    p50: float
    p95: float
    p99: float
    server_p50: float
    queries: str
    errors: int

    @classmethod
    def of(cls, label: str, samples: list[Sample]) -> "Row":
        ranked = sorted(s.ms for s in samples)
        server = [s.server_ms for s in samples if s.server_ms is not None]
        counts = sorted({s.queries for s in samples if s.queries is not None})
        queries = "-" if not counts else str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        return cls(
            label,
            len(ranked),
            statistics.median(ranked),
            nearest_rank(ranked, 0.95),
            nearest_rank(ranked, 0.99),
            statistics.median(server) if server else math.nan,
            queries,
            sum(1 for s in samples if not s.ok),
        )


def table(samples: list[Sample], labels: list[str]) -> list[tuple[Row, Row | None]]:
    """Each page's row with the bare page's row of the same run, which its ratios divide by."""
    bare = Row.of(BARE, [s for s in samples if s.label == BARE])
    return [(bare, bare)] + [(Row.of(label, [s for s in samples if s.label == label]), bare) for label in labels]


HEADER = (
    f"{'page':<38} {'n':>4} {'p50':>8} {'p95':>8} {'p99':>8} {'× bare':>7} "
    f"{'server p50':>10} {'× bare':>7} {'queries':>8} {'errors':>6}"
)


def print_rows(rows: list[tuple[Row, Row | None]]) -> None:
    print(HEADER)
    for row, bare in rows:
        if not row.n:
            print(f"{row.label:<38} {row.n:>4}   (no requests)")
            continue
        ratio = f"{row.p50 / bare.p50:>6.1f}×" if bare else f"{'-':>7}"
        server_ratio = f"{row.server_p50 / bare.server_p50:>6.1f}×" if bare else f"{'-':>7}"
        print(
            f"{row.label:<38} {row.n:>4} {row.p50:>8.1f} {row.p95:>8.1f} {row.p99:>8.1f} {ratio} "
            f"{row.server_p50:>10.1f} {server_ratio} {row.queries:>8} {row.errors:>6}"
        )


# --- The mixed journey ----------------------------------------------------------------------------


def journey_pages(user: Persona) -> list[Page]:
    from caf.sections import SECTIONS_BY_KEY

    caf_id, child_id, _, _ = user.cafs[0]
    key = "conclusions"
    fields = [f.name for f in SECTIONS_BY_KEY[key].fields]
    return [
        Page("children list", "/children/"),
        Page("child's page", f"/children/{child_id}/"),
        Page("CAF section page", f"/caf/{caf_id}/sections/{key}/"),
        Autosave("CAF autosave", caf_id, key, fields, revision=0),
        Page("referral inbox", f"/referrals/inbox/?agency={user.agency_id}&tab=awaiting"),
    ]


def run_journey(users: list[Persona], rounds: int, think: float, port: int) -> tuple[list[Sample], list[float]]:
    """Every user signs in at once (timed separately), then all walk the journey together, thinking
    `think` seconds after each step."""
    samples: list[Sample] = []
    sign_ins: list[float] = []
    lock = threading.Lock()
    signed_in = threading.Barrier(len(users))
    failures = []

    def walk(user: Persona) -> None:
        client = HttpClient(port)
        pages = journey_pages(user)
        started = time.perf_counter()
        try:
            client.sign_in(user.email)
            current_revision(client, pages[3])
        except (RuntimeError, OSError) as error:
            failures.append(f"{user.email}: {error}")
        with lock:
            sign_ins.append((time.perf_counter() - started) * 1000)
        signed_in.wait()
        mine = []
        for _ in range(rounds):
            for page in pages:
                mine.append(page.send(client))
                time.sleep(think)
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=walk, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for failure in failures:
        print(f"  sign-in failed: {failure}")
    return samples, sign_ins


# --- Main -----------------------------------------------------------------------------------------


def machine() -> str:
    load = os.getloadavg()
    cores = os.cpu_count()
    with open("/proc/meminfo") as meminfo:
        memory = int(meminfo.readline().split()[1]) / 1024 / 1024
    return f"{cores} cores, {memory:.0f} GB; load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"


def main(argv=None) -> None:
    args = parse_args(argv)
    prepare_database(args.database_url, reset=False)
    setup_django(args.database_url)
    personas, journey = prepare(args)
    lead_email = busiest_lead_email() if "busiest" in personas else None

    static_root = tempfile.mkdtemp(prefix="bench-pages-static-")
    env = server_environment(args.database_url, static_root)
    print("collectstatic (production storage, manifest)")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], env=env, cwd=REPO, check=True
    )
    server = Server(env, args.port)
    try:
        server.wait_ready()
        print(f"gunicorn: {' '.join(gunicorn_command(args.port)[2:])}  (log {server.log.name})")
        print(time.strftime("%Y-%m-%d %H:%M:%S %Z"), "|", machine())
        for role, persona in personas.items():
            print(
                f"  {role:<9} {persona.email}: sees {persona.visible:,} children; inbox of {persona.agency_name}; "
                f"{len(persona.cafs)} draft CAF(s)"
            )
        if lead_email:
            print(f"  busiest lead professional: {lead_email}")
        levels = [int(level) for level in args.clients.split(",")]
        for clients in levels:
            rounds = args.rounds if clients == 1 else args.concurrent_rounds
            for role, persona in personas.items():
                lead = lead_email if role == "busiest" else None
                samples, seconds, sent = run_clients(
                    persona, clients, rounds, args.warmup_rounds, args.port, lead, args.seed
                )
                labels = [page.label for page in pages_for(persona, 0, lead)]
                print(
                    f"\n{clients} client(s), {role} practitioner ({persona.visible:,} children), {rounds} rounds "
                    f"per client: {sent} requests in {seconds:.0f} s ({sent / seconds:.1f}/s); "
                    f"load {os.getloadavg()[0]:.2f}; ms"
                )
                print_rows(table(samples, labels))
        if journey:
            print(
                f"\nMixed journey: {len(journey)} users signing in at once, then {args.journey_rounds} walks each of "
                f"{' → '.join(JOURNEY_STEPS)}, {args.think:g} s think time"
            )
            started = time.perf_counter()
            samples, sign_ins = run_journey(journey, args.journey_rounds, args.think, args.port)
            ranked = sorted(sign_ins)
            print(
                f"  sign-in (GET form, POST, first page): p50 {statistics.median(ranked):.0f} ms, "
                f"p95 {nearest_rank(ranked, 0.95):.0f} ms, max {ranked[-1]:.0f} ms"
            )
            print_rows([(Row.of(label, [s for s in samples if s.label == label]), None) for label in JOURNEY_STEPS])
            every = Row.of("every journey request", samples)
            print(
                f"  every journey request: {every.n} requests, {every.errors} errors, p50 {every.p50:.0f} ms, "
                f"p95 {every.p95:.0f} ms, p99 {every.p99:.0f} ms ({time.perf_counter() - started:.0f} s; "
                f"load {os.getloadavg()[0]:.2f})"
            )
    finally:
        server.stop()
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
