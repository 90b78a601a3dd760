"""Bad input never gets a 500: every form of the product and every parameter of its public API, fed
hostile values, answers with a clear error and keeps what was typed.

The forms are not listed here: the test signs in as every person of the Carter demo (and as nobody),
follows every link it can reach from the home page, and collects every form on every page. A new
form, or a new page with one, is covered as soon as something links to it. The Open Referral UK API
declares its parameters on each view (`view.parameters`), which is where the test reads them from.

First a sweep: each form with every field set to each kind of hostile value at once (huge numbers,
NUL and control characters, overlong text, impossible dates). Then Hypothesis mixes them, one or a few
fields at a time with the rest left as rendered, so services see hostile values that got past a form.

Run time is held by the profile: HYPOTHESIS_PROFILE=ci (the default here) or =thorough for more.
"""

import html
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.urls import get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.demo import PEOPLE

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
settings.register_profile("thorough", max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

pytestmark = pytest.mark.django_db

PAGES_PER_PERSON = 150
# Never followed: leaving, the admin site (its own test), files, and the API (tested below).
NOT_FOLLOWED = ("/sign-out/", "/admin/", "/static/", "/openreferral", "/password-reset/")

HUGE_NUMBERS = ["9" * 20, "-" + "9" * 20, "1e309", "inf", "-inf", "NaN", "1" + "0" * 400]
CONTROL = ["\x00", "Jess\x00Carter", "\x01\x02\x03\x1b[31m\x7f", "\u202e\u200b\ufeff"]
OVERLONG = ["a" * 10_000, "x" * 300 + "@example.org", "Wayne " * 2_000]
BAD_DATES = ["31", "0", "-1", "2", "0000", "31/02/2024", "2024-13-45"]
SWEEP = {"huge number": HUGE_NUMBERS[0], "NUL": CONTROL[1], "control": CONTROL[2], "overlong": OVERLONG[0]}


@dataclass
class Form:
    page: str
    action: str
    method: str
    person: str | None
    # name -> values as rendered (a name may repeat: checkboxes); text-like fields can show what was typed
    values: dict[str, list[str]] = field(default_factory=dict)
    text_fields: set[str] = field(default_factory=set)

    @property
    def fuzzable(self) -> list[str]:
        return [n for n in self.values if n not in ("csrfmiddlewaretoken", "match")]


class _FormsAndLinks(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form, self._textarea, self._select = [], [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").lower(), "fields": []}
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].append((a["name"], None, kind))
            elif kind not in ("submit", "button", "file"):
                self._form["fields"].append((a["name"], a.get("value") or "", kind))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None]
        elif tag == "option" and self._select is not None and ("selected" in a or self._select[1] is None):
            self._select[1] = a.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append((self._textarea[0], self._textarea[1].lstrip("\n"), "textarea"))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            self._form["fields"].append((self._select[0], self._select[1] or "", "select"))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _shape(url: str) -> str:
    """Pages that differ only in their ids (and query) are the same page for finding forms."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


def _crawl(client, person, forms: dict, served: set):
    # Each person opens one page of each kind (one child's page, not every child's), so what only they can
    # reach is reached, in a number of requests that does not grow with the data.
    queue, seen = ["/", "/sign-in/", "/directory/"], set()
    while queue and len(seen) < PAGES_PER_PERSON:
        url = queue.pop(0)
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        response = client.get(url)
        assert response.status_code != 500, (person, url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        served.add(_shape(url))
        parser = _FormsAndLinks()
        parser.feed(response.content.decode())
        for href in parser.links:
            target = html.unescape(href).split("#")[0]
            if target.startswith("/") and not target.startswith(NOT_FOLLOWED) and _shape(target) not in seen:
                queue.append(target)
        path = url
        for raw in parser.forms:
            action = html.unescape(raw["action"]) or url
            if action.startswith(NOT_FOLLOWED) or not action.startswith("/"):
                continue
            form = Form(page=url, action=action, method=raw["method"], person=person)
            for name, value, kind in raw["fields"]:
                values = form.values.setdefault(name, [])
                if value is not None:
                    values.append(value)
                if kind in ("text", "textarea", "email", "tel", "search", "url", "number", "datetime-local"):
                    form.text_fields.add(name)
            if not form.fuzzable:
                continue  # a button alone (sign out, confirm, mark as read): nothing to type
            key = (_shape(path), _shape(action), tuple(sorted(form.values)))
            forms.setdefault(key, form)


@pytest.fixture
def demo_forms(client):
    call_command("load_demo_data", stdout=open(os.devnull, "w"))
    from agencies.models import User

    forms: dict = {}
    served: set = set()
    _crawl(client, None, forms, served)
    for email, *_ in PEOPLE:
        client.force_login(User.objects.get(email=email))
        _crawl(client, email, forms, served)
        client.logout()
    return list(forms.values())


def _submit(client, form: Form, data: dict):
    from agencies.models import User

    client.logout()
    if form.person:
        client.force_login(User.objects.get(email=form.person))
    if form.method == "post":
        return client.post(form.action, data)
    return client.get(urlsplit(form.action).path + "?" + urlencode(data, doseq=True))


def _check(form: Form, data: dict, response, hostile_fields):
    assert response.status_code < 500, (form.page, form.action, {k: data[k] for k in hostile_fields})
    if response.status_code != 200 or form.method != "post":
        return
    body = response.content.decode()
    # A form sent back is sent back with an error summary, and with what was typed where it can be shown.
    if "<form" in body and any(name in body for name in hostile_fields):
        # A search answers with its results (none, for a nonsense name), not an error: it is not a form sent back.
        answered = 'id="results"' in body
        assert answered or "govuk-error-summary" in body or "govuk-notification-banner" in body, (
            form.action,
            hostile_fields,
        )
        for name in hostile_fields & form.text_fields:
            typed = data[name] if isinstance(data[name], str) else data[name][0]
            if typed.strip() and all(c.isprintable() for c in typed) and len(typed) <= 5000:
                assert html.escape(typed.strip(), quote=True) in body or html.escape(typed.strip()) in body, (
                    form.action,
                    name,
                    typed[:40],
                )


def _rendered(form: Form) -> dict:
    return {name: (values if len(values) != 1 else values[0]) for name, values in form.values.items() if values}


def test_every_form_answers_hostile_values_with_a_clear_error_and_keeps_what_was_typed(client, demo_forms):
    assert len(demo_forms) >= 40, [f.action for f in demo_forms]  # the crawl really reached the product's forms
    for form in demo_forms:
        for _kind, value in SWEEP.items():
            data = _rendered(form)
            data.update({name: value for name in form.fuzzable})
            _check(form, data, _submit(client, form, data), set(form.fuzzable))
        # Impossible dates in every GOV.UK date field (its inputs are name_0, name_1, name_2).
        dates = {n[:-2] for n in form.fuzzable if re.search(r"_[012]$", n)}
        if dates:
            data = _rendered(form)
            for name in dates:
                data.update({f"{name}_0": "31", f"{name}_1": "2", f"{name}_2": "9" * 20})
            _check(form, data, _submit(client, form, data), {f"{n}_2" for n in dates})

    hostile = st.one_of(
        st.sampled_from(HUGE_NUMBERS + CONTROL + OVERLONG + BAD_DATES),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(st.characters(codec="utf-8"), max_size=40),
        st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs"]), min_size=1, max_size=8),
    )

    @given(st.data())
    def mixed(data):
        form = data.draw(st.sampled_from(demo_forms))
        names = data.draw(st.lists(st.sampled_from(form.fuzzable), min_size=1, max_size=3, unique=True))
        values = _rendered(form)
        for name in names:
            values[name] = data.draw(hostile)
        _check(form, values, _submit(client, form, values), set(names))

    mixed()


def test_signing_in_with_an_overlong_email_is_refused_clearly_and_recorded(client, db):
    from agencies.models import SignInEvent

    email = "x" * 300 + "@example.org"
    response = client.post("/sign-in/", {"username": email, "password": "whatever it is"})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert SignInEvent.objects.filter(kind=SignInEvent.Kind.FAILED).exists()


# --- The public Open Referral UK API --------------------------------------------------------------


def _api_routes():
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        if str(pattern.pattern).startswith("openreferral"):
            for route in pattern.url_patterns:
                yield "/" + str(pattern.pattern) + str(route.pattern), route.callback


def test_every_api_route_declares_its_parameters():
    routes = list(_api_routes())
    assert len(routes) >= 5
    for path, view in routes:
        assert isinstance(getattr(view, "parameters", None), tuple), path


API_HOSTILE = st.one_of(
    st.sampled_from(HUGE_NUMBERS + CONTROL + ["0", "-1", "1.5", "", " ", "%00", "00000000-0000-0000-0000-00000000"]),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(st.characters(codec="utf-8"), max_size=30),
)


def test_every_api_parameter_answers_hostile_values_with_json_and_never_a_500(client, db):
    call_command("load_demo_data", stdout=open(os.devnull, "w"))
    from directory.models import Service

    service = Service.objects.first()
    routes = []
    for path, view in _api_routes():
        routes.append((path.replace("<str:service_id>", str(service.uuid)), view.parameters))

    def check(path, params):
        response = client.get(path, params)
        assert response.status_code in (200, 400, 404), (path, params, response.status_code)
        assert response["Content-Type"] == "application/json", (path, params)
        assert response["Access-Control-Allow-Origin"] == "*"
        if response.status_code == 400:
            assert response.json()["error"]

    for path, parameters in routes:
        for name in parameters:
            for value in HUGE_NUMBERS + CONTROL + ["a" * 5000]:
                check(path, {name: value})

    @given(st.data())
    def mixed(data):
        path, parameters = data.draw(st.sampled_from(routes))
        if not parameters:
            check(path, {"unexpected": data.draw(API_HOSTILE)})
            return
        names = data.draw(st.lists(st.sampled_from(parameters), min_size=1, unique=True))
        check(path, {name: data.draw(API_HOSTILE) for name in names})

    mixed()


@pytest.mark.parametrize("value", ["inf", "1e309", "9" * 20, "2.5", "abc"])
def test_the_api_refuses_a_page_or_age_that_is_not_a_whole_number_in_range(client, db, value):
    for name in ("page", "per_page", "minimum_age", "maximum_age"):
        response = client.get("/openreferral/services", {name: value})
        assert response.status_code == 400, (name, value)
        assert name in response.json()["error"]


def test_the_api_refuses_a_nul_in_the_search(client, db):
    response = client.get("/openreferral/services", {"search": "family\x00support"})
    assert response.status_code == 400
    assert "search" in response.json()["error"]


def test_a_nul_in_a_form_posted_after_a_time_out_keeps_the_rest_of_what_was_typed(client, manager, agency):
    import time

    from django.conf import settings as django_settings

    from agencies.middleware import LAST_ACTIVITY
    from agencies.models import PendingSubmission

    client.force_login(manager)
    client.get("/")
    session = client.session
    session[LAST_ACTIVITY] = time.time() - django_settings.SESSION_IDLE_TIMEOUT.total_seconds() - 5
    session.save()
    client.cookies["csrftoken"] = "a" * 32
    typed = "Opening hours\x00 changed for the summer"
    response = client.post(
        f"/agencies/{agency.pk}/edit/", {"name": agency.name, "address": typed, "csrfmiddlewaretoken": "a" * 32}
    )
    assert response.status_code == 302 and "timed_out=1" in response["Location"]
    kept = PendingSubmission.objects.get(user=manager)
    # Kept whole, the NUL included (written as a JSON escape a text column accepts): the restored form then
    # reports the NUL as an error in its box, with everything else the practitioner typed.
    assert kept.data["address"] == [typed]
