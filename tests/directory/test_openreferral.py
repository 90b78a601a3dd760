"""Every Open Referral UK endpoint's output validates against the pinned UK profile schemas."""

import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from directory import services
from directory.models import Service, TaxonomyTerm
from tests.factories import AgencyFactory

from .conftest import term

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "oruk-uk-profile" / "schema"
OPENAPI = json.loads((SCHEMAS / "openapi.json").read_text())
PAGE = dict(
    OPENAPI["components"]["schemas"]["Page"], required=list(OPENAPI["components"]["schemas"]["Page"]["properties"])
)


def _registry() -> Registry:
    resources = []
    for path in [*SCHEMAS.glob("*.json"), *SCHEMAS.glob("compiled/*.json")]:
        resource = Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT202012)
        relative = path.relative_to(SCHEMAS).as_posix()
        resources.append((relative, resource))
        resources.append(
            (f"https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/{relative}", resource)
        )
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(instance, schema_ref: str):
    schema = {"$ref": schema_ref}
    Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker()).validate(instance)


def validate_page(instance, item_ref: str):
    schema = {
        "allOf": [PAGE],
        "properties": {"contents": {"type": "array", "items": {"$ref": item_ref}}},
        "required": ["contents"],
    }
    Draft202012Validator(schema, registry=REGISTRY, format_checker=FormatChecker()).validate(instance)


def get(client, path):
    response = client.get(path)
    assert response["Access-Control-Allow-Origin"] == "*"
    return response


def test_the_root_gives_version_and_profile(client):
    data = get(client, "/openreferral/").json()
    assert data["version"] == "3.0" and data["profile"].startswith("https://")
    Draft202012Validator(
        OPENAPI["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        format_checker=FormatChecker(),
    ).validate(data)


def test_the_service_list_validates_and_pages(client, listed_service):
    data = get(client, "/openreferral/services?per_page=1").json()
    validate_page(data, "compiled/service_list.json")
    assert data["total_items"] == 1 and data["contents"][0]["id"] == str(listed_service.uuid)
    assert data["first_page"] and data["last_page"] and not data["empty"]


def test_the_full_service_validates(client, listed_service):
    data = get(client, f"/openreferral/services/{listed_service.uuid}").json()
    validate(data, "compiled/service.json")
    assert {a["taxonomy_term"]["name"] for a in data["attributes"]} == {"Group support", "Be healthy"}
    assert data["schedules"][0]["byday"] == "TU"
    assert data["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] == "NF4 2RP"


def test_taxonomies_and_terms_validate(client):
    data = get(client, "/openreferral/taxonomies").json()
    validate_page(data, "taxonomy.json")
    assert data["total_items"] == 2
    data = get(client, "/openreferral/taxonomy_terms?per_page=200").json()
    validate_page(data, "taxonomy_term.json")
    assert data["total_items"] == 13


def test_only_active_services_of_listed_agencies_are_served(client, listed_service, listed_agency, other_manager):
    services.service_update(actor=other_manager, service=listed_service, status=Service.Status.INACTIVE)
    assert get(client, "/openreferral/services").json()["total_items"] == 0
    assert get(client, f"/openreferral/services/{listed_service.uuid}").status_code == 404
    services.service_update(actor=other_manager, service=listed_service, status=Service.Status.ACTIVE)
    services.agency_sheet_update(
        actor=other_manager, agency=listed_agency, agency_fields={}, sheet_fields={"is_listed": False}
    )
    data = get(client, "/openreferral/services").json()
    assert data["total_items"] == 0 and data["empty"]
    validate_page(data, "compiled/service_list.json")


@pytest.mark.parametrize(
    "query, found",
    [
        ("search=weigh", 1),
        ("search=nothing-like-it", 0),
        ("minimum_age=0", 1),
        ("minimum_age=1", 0),
        ("maximum_age=2", 1),
        ("maximum_age=1", 0),
        ("page=2", 1),
    ],
)
def test_the_service_list_filters(client, listed_service, query, found):
    data = get(client, f"/openreferral/services?{query}").json()
    assert data["total_items"] == found
    validate_page(data, "compiled/service_list.json")


def test_the_taxonomy_term_filter(client, listed_service):
    group = TaxonomyTerm.objects.get(code="group")
    advice = TaxonomyTerm.objects.get(code="advice")
    assert get(client, f"/openreferral/services?taxonomy_term_id={group.uuid}").json()["total_items"] == 1
    assert get(client, f"/openreferral/services?taxonomy_term_id={advice.uuid}").json()["total_items"] == 0
    assert get(client, "/openreferral/services?taxonomy_term_id=nonsense").status_code == 400


def test_the_service_list_keeps_a_constant_number_of_queries(client, listed_service):
    def count():
        with CaptureQueriesContext(connection) as queries:
            get(client, "/openreferral/services?per_page=100")
        return len(queries)

    before = count()
    for n in range(20):
        agency = AgencyFactory(name=f"Agency for queries {n}")
        services.agency_sheet_update(actor=None, agency=agency, agency_fields={}, sheet_fields={"is_listed": True})
        services.service_create(actor=None, agency=agency, name=f"Service {n}", types=[term("advice")])
    assert count() == before
