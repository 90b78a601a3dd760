"""The checks the official Open Referral UK validator (OpenReferralUK/oruk-validator) makes, made here
against the live test server over HTTP:

- it reads `/`'s `version` to pick the specification (3.0 → the UK profile's openapi.json);
- it calls every path of that openapi.json, collection endpoints first, then each `/{id}` endpoint with
  ids taken from the collections;
- an endpoint with a `page` parameter is asked for its first, middle and last pages, and every answer
  is validated against the response schema the openapi.json declares, formats checked.

Beyond the validator: every item of every page (not only the first), CORS on errors and preflight, HEAD,
JSON 404s and 400s, a page past the end is `empty: true`, and each filter against answers worked out by
hand from the data below.
"""

import json
import urllib.error
import urllib.request
from datetime import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory import services
from directory.models import Taxonomy, TaxonomyTerm
from directory.postcodes import DEMO_POSTCODES, load_postcodes
from directory.services import OpeningSession
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "oruk-uk-profile" / "schema"
OPENAPI = json.loads((SCHEMAS / "openapi.json").read_text())
RAW = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
# jsonschema checks these formats only when their checkers are installed (rfc3339-validator, rfc3986-validator).
FORMATS = FormatChecker()
assert {"uri", "date-time", "email", "uuid"} <= set(FORMATS.checkers)


def _registry() -> Registry:
    resources = []
    for path in [*SCHEMAS.glob("*.json"), *SCHEMAS.glob("compiled/*.json")]:
        resource = Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)
        relative = path.relative_to(SCHEMAS).as_posix()
        resources += [(relative, resource), (RAW + relative, resource)]
    # The openapi document itself, so "#/components/..." references resolve.
    resources.append(("openapi.json", Resource.from_contents(OPENAPI, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def response_schema(path: str) -> dict:
    schema = OPENAPI["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    # Local references are to the openapi document's components.
    return json.loads(json.dumps(schema).replace('"#/components/', '"openapi.json#/components/'))


def validate(instance, schema: dict) -> None:
    errors = list(Draft202012Validator(schema, registry=REGISTRY, format_checker=FORMATS).iter_errors(instance))
    assert not errors, [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]


def fetch(base: str, path: str, method: str = "GET", headers=None):
    request = urllib.request.Request(base + path, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def directory_data(db):
    """A directory worked out by hand: three listed agencies, five services (one at two places, one online,
    one at home), one unlisted agency whose service is never served."""
    load_postcodes(DEMO_POSTCODES)
    types = {t.code: t for t in TaxonomyTerm.objects.filter(taxonomy__code="service_types")}
    outcomes = {t.code: t for t in TaxonomyTerm.objects.filter(taxonomy__code="ecm_outcomes")}
    made = {}

    def agency(name, listed=True):
        found = AgencyFactory(name=name)
        services.agency_sheet_update(
            actor=None, agency=found, agency_fields={}, sheet_fields={"is_listed": listed, "profile": f"About {name}"}
        )
        return found

    def place(service, postcode, name, **extra):
        return services.service_location_add(
            actor=None,
            service=service,
            kind="physical",
            name=name,
            address_1="1 High Street",
            city="Northfield",
            state_province="Northfieldshire",
            postcode=postcode,
            **extra,
        )

    health, charity, council = agency("Health team"), agency("Family charity"), agency("Council")
    hidden = agency("Unlisted agency", listed=False)
    made["baby"] = services.service_create(
        actor=None,
        agency=health,
        name="Baby and child clinic",
        description="Weighing and feeding",
        types=[types["group"]],
        outcomes=[outcomes["be_healthy"]],
        minimum_age=0,
        maximum_age=4,
        sessions=[OpeningSession(2, time(9, 30), time(11, 30))],
        url="https://health.example.org/clinic",
        contact_email="clinic@health.example.org",
    )
    place(made["baby"], "NF4 2RP", "Riverside Children's Centre", accessibility="Step-free")
    place(made["baby"], "NF3 7WH", "The Willows", sessions=[OpeningSession(4, time(13), time(15))])
    made["parents"] = services.service_create(
        actor=None,
        agency=charity,
        name="Parents' evening group",
        types=[types["group"]],
        outcomes=[outcomes["positive_contribution"]],
        minimum_age=16,
        sessions=[OpeningSession(3, time(18), time(20)), OpeningSession(2, time(18), time(20), week_of_month=1)],
    )
    place(made["parents"], "NF2 8PR", "Brightways House")
    made["chat"] = services.service_create(
        actor=None,
        agency=charity,
        name="Online chat for teenagers",
        types=[types["advice"]],
        minimum_age=13,
        maximum_age=19,
        sessions=[OpeningSession(5, time(16), time(21))],
    )
    services.service_location_add(actor=None, service=made["chat"], kind="online")
    made["visits"] = services.service_create(
        actor=None,
        agency=council,
        name="Family support visits",
        types=[types["outreach"], types["practical"]],
        outcomes=[outcomes["stay_safe"]],
        minimum_age=0,
        maximum_age=18,
    )
    services.service_location_add(actor=None, service=made["visits"], kind="home")
    made["housing"] = services.service_create(
        actor=None,
        agency=council,
        name="Housing advice",
        types=[types["advice"]],
        minimum_age=16,
        sessions=[OpeningSession(1, time(9), time(16, 30))],
    )
    place(made["housing"], "NF1 2CC", "Civic Centre")
    made["hidden"] = services.service_create(actor=None, agency=hidden, name="Not listed anywhere")
    return made


@pytest.fixture
def api(live_server, directory_data):
    return live_server.url + "/openreferral"


def _ids(base, path) -> list[str]:
    ids, page = [], 1
    while True:
        status, _, body = fetch(base, f"{path}?per_page=2&page={page}")
        data = json.loads(body)
        ids += [item["id"] for item in data["contents"]]
        if data["last_page"] or data["empty"]:
            return ids
        page += 1


def test_the_validator_picks_the_uk_profile_from_the_roots_version(api):
    status, headers, body = fetch(api, "/")
    data = json.loads(body)
    validate(data, response_schema("/"))
    assert status == 200 and data["version"] == "3.0"  # HSDS-UK 3.0: the validator's spec for this feed


@pytest.mark.parametrize("path", [p for p in OPENAPI["paths"] if "{id}" not in p and p != "/"])
def test_every_collection_endpoint_validates_on_every_page_and_every_item(api, path):
    status, headers, body = fetch(api, f"{path}?per_page=2")
    first = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert first["total_items"] > 0, "the validator warns of an empty feed"
    for number in range(1, first["total_pages"] + 1):
        status, headers, body = fetch(api, f"{path}?per_page=2&page={number}")
        data = json.loads(body)
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
        validate(data, response_schema(path))
        item_schema = response_schema(path)["properties"]["contents"]["items"]
        for item in data["contents"]:
            validate(item, item_schema)
        assert data["page_number"] == number and data["size"] == len(data["contents"])
        assert data["first_page"] == (number == 1) and data["last_page"] == (number == first["total_pages"])
        assert not data["empty"]
    past = json.loads(fetch(api, f"{path}?per_page=2&page={first['total_pages'] + 1}")[2])
    validate(past, response_schema(path))
    assert past["empty"] is True and past["contents"] == [] and past["total_items"] == first["total_items"]


@pytest.mark.parametrize("path", [p for p in OPENAPI["paths"] if "{id}" in p])
def test_every_item_endpoint_validates_for_every_id_its_collection_lists(api, path):
    collection = path.rsplit("/", 1)[0]
    ids = _ids(api, collection)
    assert ids
    for found in ids:
        status, headers, body = fetch(api, path.replace("{id}", found))
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
        data = json.loads(body)
        validate(data, response_schema(path))
        if collection == "/service_at_locations":
            # What the path really returns in HSDS 3.0 (the profile's openapi.json names the service schema).
            validate(data, {"$ref": RAW + "compiled/service_at_location.json"})
        assert data["id"] == found


def test_required_address_fields_are_never_sent_empty(api):
    for found in _ids(api, "/services"):
        data = json.loads(fetch(api, f"/services/{found}")[2])
        for link in data.get("service_at_locations", []):
            for address in link["location"].get("addresses", []):
                for name in ("address_1", "city", "state_province", "postal_code", "country"):
                    assert address[name].strip(), (data["name"], name)


def test_several_locations_and_virtual_ones_are_served(api, directory_data):
    data = json.loads(fetch(api, f"/services/{directory_data['baby'].uuid}")[2])
    places = {link["location"]["name"]: link["location"] for link in data["service_at_locations"]}
    assert set(places) == {"Riverside Children's Centre", "The Willows"}
    assert places["The Willows"]["latitude"] == 52.82
    own = [s for s in data["schedules"] if "service_at_location_id" not in s]
    at_willows = [s for s in data["schedules"] if s.get("service_at_location_id")]
    assert [s["byday"] for s in own] == ["TU"] and [s["byday"] for s in at_willows] == ["TH"]
    chat = json.loads(fetch(api, f"/services/{directory_data['chat'].uuid}")[2])
    assert chat["service_at_locations"][0]["location"]["location_type"] == "virtual"
    monthly = json.loads(fetch(api, f"/services/{directory_data['parents'].uuid}")[2])["schedules"]
    assert {"freq": "MONTHLY", "byday": "1TU"}.items() <= next(s for s in monthly if s["freq"] == "MONTHLY").items()


def test_cors_preflight_and_head_are_answered_on_every_path_errors_included(api, directory_data):
    some_id = str(directory_data["baby"].uuid)
    paths = [p.replace("{id}", some_id) for p in OPENAPI["paths"]] + ["/no-such-thing", "/services/not-a-uuid"]
    for path in paths:
        status, headers, _ = fetch(
            api,
            path,
            "OPTIONS",
            {
                "Origin": "https://fis.example.org",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "accept",
            },
        )
        assert status in (200, 204) and headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in headers["Access-Control-Allow-Methods"] and "accept" in headers["Access-Control-Allow-Headers"]
        get_status, get_headers, get_body = fetch(api, path)
        head_status, head_headers, head_body = fetch(api, path, "HEAD")
        assert head_status == get_status and head_body == b"" and head_headers["Access-Control-Allow-Origin"] == "*"
        assert get_headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-thing",
        "/services/not-a-uuid",
        "/services/00000000-0000-4000-8000-000000000000",
        "/taxonomies/00000000-0000-4000-8000-000000000000",
        "/taxonomy_terms/nope",
        "/service_at_locations/00000000-0000-4000-8000-000000000000",
        "/services/",
    ],
)
def test_not_found_is_json_with_cors(api, path):
    status, headers, body = fetch(api, path)
    assert status == 404 and headers["Content-Type"] == "application/json"
    assert headers["Access-Control-Allow-Origin"] == "*" and "error" in json.loads(body)


def test_a_post_is_refused_as_json(api):
    status, headers, body = fetch(api, "/services", "POST")
    assert (
        status == 405
        and headers["Content-Type"] == "application/json"
        and headers["Access-Control-Allow-Origin"] == "*"
    )


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("format=ndjson", "format"),
        ("minimal=true", "minimal"),
        ("full_service=true", "full_service"),
        ("postcode=NF4+6KH", "postcode"),  # only service_at_locations takes a place
        ("day=Funday", "day"),
        ("start_time=25:00", "start_time"),
        ("end_time=noon", "end_time"),
        ("minimum_age=old", "minimum_age"),
        ("taxonomy_id=nonsense", "taxonomy_id"),
        ("organization_id=nonsense", "organization_id"),
        ("modified_after=yesterday", "modified_after"),
        ("per_page=0", "per_page"),
        ("page=-1", "page"),
    ],
)
def test_a_filter_that_cannot_be_applied_is_refused_with_a_400_naming_it(api, query, parameter):
    status, headers, body = fetch(api, f"/services?{query}")
    data = json.loads(body)
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert data["parameter"] == parameter and parameter in data["error"]


def names(api, path, query) -> set[str]:
    data = json.loads(fetch(api, f"{path}?per_page=200&{query}")[2])
    assert data["total_items"] == len(data["contents"])
    if path == "/service_at_locations":
        return {item["service"]["name"] for item in data["contents"]}
    return {item["name"] for item in data["contents"]}


def test_each_filter_gives_the_answer_worked_out_by_hand(api, directory_data):
    group = TaxonomyTerm.objects.get(code="group").uuid
    outcomes = Taxonomy.objects.get(code="ecm_outcomes").uuid
    charity = directory_data["chat"].agency.directory_profile.uuid
    expected = {
        "": {
            "Baby and child clinic",
            "Parents' evening group",
            "Online chat for teenagers",
            "Family support visits",
            "Housing advice",
        },
        "search=Baby+clinic": {"Baby and child clinic"},  # words, not the phrase
        "search=family+support": {"Family support visits"},
        f"taxonomy_term_id={group}": {"Baby and child clinic", "Parents' evening group"},
        f"taxonomy_id={outcomes}": {"Baby and child clinic", "Parents' evening group", "Family support visits"},
        f"organization_id={charity}": {"Parents' evening group", "Online chat for teenagers"},
        "day=TU": {"Baby and child clinic", "Parents' evening group"},
        "day=thursday": {"Baby and child clinic"},  # its session at The Willows
        "start_time=17:00": {"Parents' evening group"},
        "end_time=12:00": {"Baby and child clinic"},
        "day=FR&start_time=16:00&end_time=21:00": {"Online chat for teenagers"},
        "minimum_age=13": {"Parents' evening group", "Online chat for teenagers", "Housing advice"},
        "maximum_age=4": {"Baby and child clinic"},
        "minimum_age=0&maximum_age=18": {"Baby and child clinic", "Family support visits"},
        "modified_after=2000-01-01T00:00:00Z": {
            "Baby and child clinic",
            "Parents' evening group",
            "Online chat for teenagers",
            "Family support visits",
            "Housing advice",
        },
        "modified_after=2999-01-01": set(),
    }
    for query, answer in expected.items():
        assert names(api, "/services", query) == answer, query
        assert names(api, "/service_at_locations", query) == answer, query


def test_postcode_and_proximity_find_services_at_locations_nearest_first(api):
    data = json.loads(fetch(api, "/service_at_locations?postcode=NF4+6KH&proximity=8047")[2])  # 5 miles
    found = [(item["service"]["name"], item["location"]["name"]) for item in data["contents"]]
    # Riverside (0.4 miles), Civic Centre (2.6), Brightways House (4.3); The Willows is 7 miles away.
    assert found == [
        ("Baby and child clinic", "Riverside Children's Centre"),
        ("Housing advice", "Civic Centre"),
        ("Parents' evening group", "Brightways House"),
    ]
    assert [item["distance"] for item in data["contents"]] == sorted(item["distance"] for item in data["contents"])
    everything = json.loads(fetch(api, "/service_at_locations?postcode=NF4+6KH")[2])
    assert everything["total_items"] == 4  # every place on the map, nearest first; home and online have none
    for query, parameter in [
        ("postcode=NF8+1AA", "postcode"),
        ("postcode=not+one", "postcode"),
        ("proximity=100", "proximity"),
        ("postcode=NF4+6KH&proximity=far", "proximity"),
    ]:
        status, _, body = fetch(api, f"/service_at_locations?{query}")
        assert status == 400 and json.loads(body)["parameter"] == parameter, query
