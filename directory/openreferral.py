"""Open Referral UK (the UK profile of HSDS 3.0): the product's data as its JSON, and back.

Field names follow the pinned schemas in ../shared/oruk-uk-profile/schema/compiled/. Where HSDS 3.0
has a field the UK profile does not list (a service's `eligibility_description` and
`application_process`, a language's `name`, a contact's `email` and `phones`), it is sent under its
HSDS 3.0 name: the profile allows further properties that do not conflict with the specification.
"""

import math
import uuid

from .models import ICAL_DAYS, AgencyProfile, Service, Taxonomy, TaxonomyTerm

HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200

# Identifiers of the records a service nests that the product keeps as fields of the service itself
# (its location, contact, cost, languages), derived from the service's own so they are stable.
NAMESPACE = uuid.UUID("0e7c3a52-9d7f-4c61-8f3e-5b1d2a4c6e80")


def _child_id(service: Service, what: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{service.uuid}:{what}"))


def _drop_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def organization(profile: AgencyProfile) -> dict:
    agency = profile.agency
    return _drop_empty(
        {
            "id": str(profile.uuid),
            "name": agency.name,
            "description": profile.profile or agency.name,
            "email": agency.email,
            "website": agency.website,
        }
    )


def taxonomy_term(term: TaxonomyTerm) -> dict:
    return {
        "id": str(term.uuid),
        "name": term.name,
        "description": term.description or term.name,
        "taxonomy": term.taxonomy.name,
        "taxonomy_id": str(term.taxonomy.uuid),
        "term": term.name,
        "code": term.code,
    }


def taxonomy(tax: Taxonomy) -> dict:
    return _drop_empty(
        {"id": str(tax.uuid), "name": tax.name, "description": tax.description or tax.name, "uri": tax.uri}
    )


def service_list_item(service: Service) -> dict:
    """The one-to-one fields of a service, as /services lists them."""
    profile = service.agency.directory_profile
    return _drop_empty(
        {
            "id": str(service.uuid),
            "organization_id": str(profile.uuid),
            "name": service.name,
            "description": service.description,
            "url": service.url,
            "email": service.contact_email,
            "status": service.status,
            "fees": service.cost,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "assured_date": service.confirmed_at.date().isoformat() if service.confirmed_at else None,
            "last_modified": service.updated_at.isoformat() if service.updated_at else None,
            "organization": organization(profile),
        }
    )


def service_full(service: Service) -> dict:
    """The fully nested service, as /services/{id} returns it and the import reads it."""
    data = service_list_item(service)
    service_id = str(service.uuid)
    data["eligibility_description"] = service.eligibility
    data["application_process"] = service.how_to_access
    attributes = []
    for term in [*service.types.all(), *service.outcomes.all()]:
        attributes.append(
            {
                "id": _child_id(service, f"attribute:{term.uuid}"),
                "link_id": service_id,
                "link_type": "service",
                "taxonomy_term_id": str(term.uuid),
                "taxonomy_term": taxonomy_term(term),
            }
        )
    data["attributes"] = attributes
    data["schedules"] = [
        _drop_empty(
            {
                # Derived from the session itself, so a round trip through an import keeps it.
                "id": _child_id(service, f"schedule:{row.day}:{row.opens_at:%H:%M}:{row.closes_at:%H:%M}"),
                "service_id": service_id,
                "freq": "WEEKLY",
                "byday": ICAL_DAYS[row.day],
                "opens_at": row.opens_at.strftime("%H:%M"),
                "closes_at": row.closes_at.strftime("%H:%M"),
                "description": f"{row}",
                "notes": service.schedule_notes,
            }
        )
        for row in service.opening_times.all()
    ]
    data["languages"] = [
        {"id": _child_id(service, f"language:{name.lower()}"), "service_id": service_id, "name": name}
        for name in service.language_list
    ]
    if service.cost:
        data["cost_options"] = [
            {"id": _child_id(service, "cost"), "service_id": service_id, "amount_description": service.cost}
        ]
    if service.contact_name or service.contact_phone or service.contact_email:
        contact = _drop_empty(
            {
                "id": _child_id(service, "contact"),
                "service_id": service_id,
                "name": service.contact_name,
                "email": service.contact_email,
            }
        )
        if service.contact_phone:
            contact["phones"] = [{"id": _child_id(service, "contact:phone"), "number": service.contact_phone}]
        data["contacts"] = [contact]
    if service.location or service.postcode or service.accessibility:
        location_id = _child_id(service, "location")
        location = _drop_empty(
            {"id": location_id, "location_type": "physical", "name": service.location, "description": service.location}
        )
        if service.postcode:
            agency = service.agency
            location["addresses"] = [
                {
                    "id": _child_id(service, "address"),
                    "location_id": location_id,
                    "address_1": service.location or agency.name,
                    "city": "",
                    "state_province": "",
                    "postal_code": service.postcode,
                    "country": "GB",
                    "address_type": "physical",
                }
            ]
        if service.accessibility:
            location["accessibility"] = [
                {
                    "id": _child_id(service, "accessibility"),
                    "location_id": location_id,
                    "description": service.accessibility,
                }
            ]
        data["service_at_locations"] = [
            {
                "id": _child_id(service, "service_at_location"),
                "service_id": service_id,
                "location_id": location_id,
                "location": location,
            }
        ]
    return data


def page(items, *, page_number: int, per_page: int, total: int) -> dict:
    """Open Referral UK's page object around one page of contents."""
    total_pages = max(1, math.ceil(total / per_page)) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(items),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": total == 0,
        "contents": items,
    }


def root() -> dict:
    return {
        "version": HSDS_VERSION,
        "profile": PROFILE_URL,
        "openapi_url": OPENAPI_URL,
    }
