"""Importing Open Referral UK feeds: every shape real publishers send, broken records rejected alone with
why, nothing dropped silently, a round trip identical, and an API harvested page by page from a real
HTTP server started here, resumably."""

import copy
import json
import threading
import uuid
from datetime import date, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency
from directory import services as directory_services
from directory.importing.harvest import import_run_work
from directory.models import (
    AgencyProfile,
    Contact,
    ImportRun,
    Location,
    OpeningTime,
    Service,
    ServiceLocation,
    Taxonomy,
)
from directory.services import OpeningSession

pytestmark = pytest.mark.django_db


def export(client) -> list:
    listing = client.get("/openreferral/services?per_page=200").json()["contents"]
    return [client.get(f"/openreferral/services/{item['id']}").json() for item in listing]


def run(tmp_path, content, *extra) -> str:
    path = tmp_path / "feed.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    out = StringIO()
    call_command("import_openreferral", str(path), *extra, stdout=out)
    return out.getvalue()


def strip(feed):
    return [{k: v for k, v in s.items() if k != "last_modified"} for s in feed]


def new_id() -> str:
    return str(uuid.uuid4())


def service(name="Stay and play", org=None, **fields) -> dict:
    return {
        "id": new_id(),
        "name": name,
        "status": "active",
        **({"organization": org} if org else {}),
        **fields,
    }


ORG = {"id": "21111111-2222-4333-8444-555555555555", "name": "New charity", "description": "A new charity"}


def test_the_import_round_trips_the_products_own_export_into_an_empty_directory(client, tmp_path, listed_service):
    # Every kind of schedule the product keeps, and several contacts (the fixture's two, one with two numbers).
    for session in (
        OpeningSession(None, time(10), time(12), day_of_month=15, description="Coffee morning"),
        OpeningSession(None, time(10), time(12), day_of_month=-1, interval=2),
        OpeningSession(
            5, time(13), time(14), week_of_month=-1, valid_from=date(2027, 1, 1), valid_to=date(2027, 7, 31)
        ),
        OpeningSession(4, time(13), time(14), interval=2, starts_on=date(2027, 1, 7)),
    ):
        directory_services.service_schedule_add(actor=None, service=listed_service, session=session)
    feed = export(client)
    schedules = {(s["freq"], s.get("byday"), s.get("bymonthday"), s["interval"]) for s in feed[0]["schedules"]}
    assert schedules >= {
        ("MONTHLY", None, "15", 1),
        ("MONTHLY", None, "-1", 2),
        ("MONTHLY", "-1FR", None, 1),
        ("WEEKLY", "TH", None, 2),
        ("WEEKLY", "TU", None, 1),
    }
    assert [len(c.get("phones", [])) for c in feed[0]["contacts"]] == [1, 2]
    assert "0 created, 0 updated, 1 unchanged, 0 rejected; 0 kept only partly" in run(tmp_path, feed)
    Service.objects.all().delete()
    Location.objects.all().delete()
    AgencyProfile.objects.all().delete()
    assert "1 created, 0 updated, 0 unchanged, 0 rejected; 0 kept only partly" in run(tmp_path, feed)
    assert strip(export(client)) == strip(feed)
    # Created in bulk, and still with its history: the service (with its terms), its place, link and times.
    created = Service.objects.get(uuid=listed_service.uuid)
    first = created.history.earliest("history_date")
    assert first.history_type == "+" and {t.taxonomyterm.code for t in first.types.all()} == {"group"}
    place = created.service_locations.get()
    assert place.history.filter(history_type="+").exists() and place.location.history.filter(history_type="+").exists()
    assert OpeningTime.history.filter(service_id=created.pk, history_type="+").count() == 5
    assert Contact.history.filter(service_id=created.pk, history_type="+").count() == 2
    assert "0 created, 0 updated, 1 unchanged" in run(tmp_path, {"contents": feed})


def test_a_changed_record_is_updated_and_a_new_organisation_created(client, tmp_path, listed_service):
    feed = export(client)
    feed[0]["name"] = "Baby clinic"
    new = copy.deepcopy(feed[0])
    new["id"] = new_id()
    new["organization"] = ORG
    new["organization_id"] = ORG["id"]
    for link in new["service_at_locations"]:
        link["id"] = new_id()
    output = run(tmp_path, [feed[0], new])
    assert "1 created, 1 updated, 0 unchanged, 0 rejected" in output and "New organisation: New charity" in output
    assert Agency.objects.filter(name="New charity").exists()
    assert Service.objects.get(uuid=listed_service.uuid).name == "Baby clinic"
    # The two services share the feed's location: one place, two links.
    assert Location.objects.count() == 1 and ServiceLocation.objects.count() == 2


def test_every_shape_publishers_send_is_read(tmp_path, db):
    one = service("Full service", ORG)
    assert "1 created" in run(tmp_path, one)  # a single service_full object
    org_full = dict(ORG, services=[service("First of the organisation"), service("Second of the organisation")])
    assert "2 created" in run(tmp_path, org_full)  # organization_full, its services naming it by nothing
    by_id_only = service("Named by id", organization_id=ORG["id"])
    assert "1 created" in run(tmp_path, [by_id_only])  # organisation already here
    sal = {
        "id": new_id(),
        "location": {"id": new_id(), "location_type": "virtual", "name": "Online"},
        "service": service("At a location", ORG),
    }
    assert "1 created" in run(tmp_path, sal)  # service_at_location_full
    created = Service.objects.get(name="At a location")
    assert created.service_locations.get().location.kind == Location.Kind.ONLINE
    assert Service.objects.filter(agency__directory_profile__uuid=ORG["id"]).count() == 5


def test_what_real_feeds_carry_is_kept(tmp_path, db):
    record = service(
        "Adult carers' group",
        ORG,
        minimum_age=18,
        maximum_age=100,
        alert="Closed until 5 January",
        accreditations="Quality mark",
        assurer_email="assure@example.org",
        assured_date="2025-03-01",
        fees="Free",
        cost_options=[{"id": new_id(), "amount": 2.5, "option": "per session"}],
        funding=[{"id": new_id(), "source": "The Lottery"}],
        service_areas=[{"id": new_id(), "name": "Northfield"}],
        languages=[{"id": new_id(), "name": "English"}, {"id": new_id(), "name": "Urdu"}],
        contacts=[
            {
                "id": new_id(),
                "name": "Sam",
                "title": "Group lead",
                "email": "sam@example.org",
                "phones": [
                    {"id": new_id(), "number": "01632 960 111"},
                    {"id": new_id(), "number": "07700 900 222"},
                    {"id": new_id(), "number": "+1 555 0100"},
                ],
            },
            {"id": new_id(), "name": "Second contact"},
        ],
        schedules=[
            {"id": new_id(), "freq": "WEEKLY", "byday": "MO,WE", "opens_at": "09:00", "closes_at": "11:30"},
            {"id": new_id(), "freq": "MONTHLY", "byday": "1TU", "opens_at": "18:00:00", "closes_at": "20:00:00"},
            {
                "id": new_id(),
                "freq": "MONTHLY",
                "bymonthday": "15,-1",
                "opens_at": "10:00",
                "closes_at": "12:00",
                "description": "Coffee morning",
            },
            {
                "id": new_id(),
                "freq": "WEEKLY",
                "interval": 2,
                "byday": "TH",
                "dtstart": "2027-01-07",
                "valid_from": "2027-01-01",
                "valid_to": "2027-07-31",
                "opens_at": "13:00",
                "closes_at": "14:00",
            },
            {
                "id": new_id(),
                "freq": "MONTHLY",
                "bymonthday": "15",
                "opens_at": "10:00",
                "closes_at": "12:00",
                "byday": "FR",
            },
        ],
        attributes=[
            {
                "id": new_id(),
                "taxonomy_term_id": "31111111-2222-4333-8444-555555555555",
                "taxonomy_term": {
                    "id": "31111111-2222-4333-8444-555555555555",
                    "name": "Carers",
                    "description": "For carers",
                    "taxonomy": "Local categories",
                    "taxonomy_id": "41111111-2222-4333-8444-555555555555",
                },
            },
            {"id": new_id(), "taxonomy_term_id": "51111111-2222-4333-8444-555555555555"},
        ],
        service_at_locations=[
            {
                "id": new_id(),
                "location": {
                    "id": new_id(),
                    "location_type": "physical",
                    "name": "Community hall",
                    "latitude": 52.91,
                    "longitude": -0.59,
                    "addresses": [
                        {
                            "id": new_id(),
                            "address_1": "1 Hall Road",
                            "city": "Northfield",
                            "state_province": "Northfieldshire",
                            "postal_code": "nf42rp",
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            },
            {"id": new_id(), "location": {"id": new_id(), "location_type": "virtual", "name": "At home visits"}},
        ],
    )
    output = run(tmp_path, [record])
    assert "1 created" in output and "1 kept only partly" in output
    assert "contacts/1/phones/3: '+1 555 0100' is not a UK telephone number; not kept" in output
    assert "schedules/5: bymonthday is kept only with freq MONTHLY and no byday; not kept" in output
    assert "taxonomy term 51111111-2222-4333-8444-555555555555 is unknown here" in output
    created = Service.objects.get(name="Adult carers' group")
    assert (created.minimum_age, created.maximum_age) == (18, 100)
    assert created.alert == "Closed until 5 January" and created.assurer_email == "assure@example.org"
    assert str(created.assured_on) == "2025-03-01" and created.funding == "The Lottery"
    assert created.cost == "Free; £2.50 (per session)" and created.languages == "English, Urdu"
    contacts = [(c.name, c.title, c.email, c.phone_list) for c in created.contacts.all()]
    assert contacts == [
        ("Sam", "Group lead", "sam@example.org", ["01632 960 111", "07700 900 222"]),
        ("Second contact", "", "", []),
    ]
    sessions = sorted(
        (r.day or 0, r.week_of_month, r.day_of_month, r.interval, str(r.starts_on), str(r.valid_to), r.description)
        for r in OpeningTime.objects.filter(service=created)
    )
    assert sessions == [
        (0, None, -1, 1, "None", "None", "Coffee morning"),
        (0, None, 15, 1, "None", "None", "Coffee morning"),
        (1, None, None, 1, "None", "None", ""),
        (2, 1, None, 1, "None", "None", ""),
        (3, None, None, 1, "None", "None", ""),
        (4, None, None, 2, "2027-01-07", "2027-07-31", ""),
    ]
    assert [t.name for t in created.other_terms.all()] == ["Carers"]
    assert Taxonomy.objects.filter(name="Local categories").exists()
    places = {link.location.kind: link.location for link in created.service_locations.select_related("location")}
    assert places["physical"].postcode == "NF4 2RP" and places["physical"].latitude == 52.91
    assert places["home"].name == "At home visits"


def test_an_open_upper_age_and_ages_past_a_lifetime_are_kept_honestly(tmp_path, db):
    output = run(tmp_path, [service("Open ended", ORG, minimum_age=16, maximum_age=150)])
    assert "maximum_age: 150 kept as no upper limit" in output
    assert Service.objects.get(name="Open ended").maximum_age is None


def test_two_organisations_of_the_same_name_with_different_ids_stay_two(tmp_path, db):
    other = dict(ORG, id="61111111-2222-4333-8444-555555555555")
    output = run(tmp_path, [service("One", ORG), service("Two", other)])
    assert "2 created" in output
    assert AgencyProfile.objects.filter(uuid__in=[ORG["id"], other["id"]]).count() == 2
    assert "another organisation is already called 'New charity'" in output


def test_broken_records_are_rejected_alone_with_the_field_and_why(tmp_path, db):
    good = service("Good", ORG)
    duplicate = dict(good, name="Same id again")
    nul = service("Has a \x00 in it", ORG)
    wrong_type = service("Wrong type", ORG, minimum_age="five")
    no_org = service("Nobody's", organization_id="71111111-2222-4333-8444-555555555555")
    bad_email = service("Bad email", ORG, email="not-an-email")
    output = run(tmp_path, [good, duplicate, nul, wrong_type, no_org, bad_email, "not even an object"])
    assert "1 created, 0 updated, 0 unchanged, 6 rejected" in output
    assert "record 2 (Same id again): id: the same id as record 1; not merged" in output
    assert "record 3" in output and "name: contains a NUL character" in output
    assert "record 4 (Wrong type): minimum_age: 'five' is not of type 'number'" in output
    assert "record 5 (Nobody's): organization_id: organisation 71111111" in output
    assert "record 6 (Bad email)" in output and "not-an-email" in output
    assert "record 7: not a service object" in output
    assert list(Service.objects.values_list("name", flat=True)) == ["Good"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("this is not { json", "is not JSON"),
        (json.dumps({"hello": "world"}), "not an Open Referral UK feed"),
        (json.dumps([{"foo": 1}]), "not an Open Referral UK feed"),
        ("", "empty"),
    ],
)
def test_a_file_that_is_not_a_feed_is_refused_and_nothing_is_written(tmp_path, db, content, message):
    with pytest.raises(CommandError, match=message):
        run(tmp_path, content)
    assert Service.objects.count() == 0


def test_the_bundled_schema_is_the_pinned_one():
    from directory.importing.reading import SCHEMA_DIR

    from .test_openreferral import SCHEMAS

    assert (SCHEMA_DIR / "service.json").read_bytes() == (SCHEMAS / "compiled" / "service.json").read_bytes()


# --- Harvesting a paginated API from a real HTTP server ---------------------------------------------------


class Publisher:
    """A publisher's Open Referral UK API on 127.0.0.1: pages of services, /organizations/{id}, and a switch
    that makes one page fail (the publisher going down mid-harvest)."""

    def __init__(self, services_, per_page=2):
        self.services, self.per_page, self.failing_page, self.requests = services_, per_page, None, []
        publisher = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                publisher.requests.append(self.path)
                if parts.path == f"/organizations/{ORG['id']}":
                    return self._json(ORG)
                if parts.path != "/services":
                    return self._json({"error": "Not found"}, 404)
                page = int(parse_qs(parts.query).get("page", ["1"])[0])
                if page == publisher.failing_page:
                    return self._json({"error": "Down"}, 503)
                size = publisher.per_page
                items = publisher.services[(page - 1) * size : page * size]
                total_pages = -(-len(publisher.services) // size)
                self._json(
                    {
                        "total_items": len(publisher.services),
                        "total_pages": total_pages,
                        "page_number": page,
                        "size": len(items),
                        "first_page": page == 1,
                        "last_page": page >= total_pages,
                        "empty": not items,
                        "contents": items,
                    }
                )

            def _json(self, data, status=200):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def publisher():
    # Services name their organisation only by id, as many APIs' list pages do.
    feed = [service(f"Harvested {n}", organization_id=ORG["id"]) for n in range(1, 8)]
    started = Publisher(feed)
    yield started
    started.close()


def test_a_paginated_api_is_harvested_page_by_page_with_progress(publisher):
    out = StringIO()
    call_command("import_openreferral", "--url", publisher.url, stdout=out)
    output = out.getvalue()
    assert "7 created, 0 updated, 0 unchanged, 0 rejected" in output
    assert "[" + "#" * 30 + "] 4 of 4" in output  # the progress bar, full
    assert Service.objects.filter(name__startswith="Harvested").count() == 7
    assert f"/organizations/{ORG['id']}" in publisher.requests
    run_ = ImportRun.objects.get()
    assert run_.status == ImportRun.Status.DONE and run_.pages_done == 4 and run_.report["counts"]["created"] == 7


def test_a_harvest_that_stops_resumes_from_the_page_after_the_last_one_committed(publisher):
    publisher.failing_page = 3
    out = StringIO()
    with pytest.raises(CommandError, match="Resume it with --resume"):
        call_command("import_openreferral", "--url", publisher.url, stdout=out)
    run_ = ImportRun.objects.get()
    assert run_.status == ImportRun.Status.FAILED and run_.pages_done == 2
    assert Service.objects.count() == 4 and "page=3" in run_.next_url
    publisher.failing_page = None
    run_.status = ImportRun.Status.RUNNING
    run_.save()
    publisher.requests.clear()
    assert import_run_work(run_.pk)
    run_.refresh_from_db()
    assert run_.status == ImportRun.Status.DONE and Service.objects.count() == 7
    pages_asked = [parse_qs(urlsplit(r).query).get("page") for r in publisher.requests]
    assert pages_asked == [["3"], ["4"]]  # nothing asked twice
    assert run_.report["counts"] == {"created": 7, "updated": 0, "unchanged": 0, "rejected": 0, "partly": 0}


def test_a_reimport_puts_back_what_was_changed_here_since_and_skips_what_was_not(tmp_path, db):
    from directory import services as directory_services

    first, second = service("First", ORG), service("Second", ORG)
    assert "2 created" in run(tmp_path, [first, second])
    assert "0 created, 0 updated, 2 unchanged" in run(tmp_path, [first, second])
    changed = Service.objects.get(name="Second")
    directory_services.service_update(actor=None, service=changed, description="Changed here")
    output = run(tmp_path, [first, second])
    assert "0 created, 1 updated, 1 unchanged" in output and "Updated: record 2 (Second)" in output
    assert Service.objects.get(name="Second").description == ""


def test_assured_date_is_the_publishers_never_the_time_of_the_import(client, tmp_path, db):
    dated = service(
        "Dated",
        ORG,
        assured_date="2025-03-01",
        service_at_locations=[
            {"id": new_id(), "location": {"id": new_id(), "location_type": "virtual", "name": "Online"}}
        ],
    )
    undated = service("Undated", ORG)
    run(tmp_path, [dated, undated])
    for record, expected in ((dated, "2025-03-01"), (undated, None)):
        served = client.get(f"/openreferral/services/{record['id']}").json()
        assert served.get("assured_date") == expected
    # Updating from the feed does not make it look confirmed today either.
    run(tmp_path, [dict(undated, description="Changed by the publisher")])
    assert "assured_date" not in client.get(f"/openreferral/services/{undated['id']}").json()
    assert Service.objects.get(name="Undated").is_stale  # nobody here has confirmed it: flagged
