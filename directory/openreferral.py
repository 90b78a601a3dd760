"""Open Referral UK (the UK profile of HSDS 3.0): the product's data as its JSON, and back.

Field names follow the pinned schemas in ../shared/oruk-uk-profile/schema/compiled/. Where HSDS 3.0
has a field the UK profile does not list (a service's `eligibility_description` and
`application_process`, a language's `name`, a contact's `email` and `phones`), it is sent under its
HSDS 3.0 name: the profile allows further properties that do not conflict with the specification.

Records the product keeps as fields of another (a service's contact, cost, languages, funding, areas; a
location's address and accessibility; a session) get identifiers derived from their owner's, so they are
the same in every export and survive an import into another installation unchanged.
"""

import math
import uuid

from .models import (
    ICAL_DAYS,
    AgencyProfile,
    Contact,
    Location,
    OpeningTime,
    Service,
    ServiceLocation,
    Taxonomy,
    TaxonomyTerm,
)

HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200

NAMESPACE = uuid.UUID("0e7c3a52-9d7f-4c61-8f3e-5b1d2a4c6e80")

# What a virtual location is called in the feed, and how an import tells "at home" from "online".
VIRTUAL_NAMES = {Location.Kind.HOME: "At the family's home", Location.Kind.ONLINE: "Online or by phone"}


def derived_id(owner_uuid, what: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{owner_uuid}:{what}"))


def _drop_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


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
    return _drop_empty(
        {
            "id": str(term.uuid),
            "name": term.name,
            "description": term.description or term.name,
            "taxonomy": term.taxonomy.name,
            "taxonomy_id": str(term.taxonomy.uuid),
            "term": term.name,
            "code": term.code,
        }
    )


def taxonomy(tax: Taxonomy) -> dict:
    return _drop_empty(
        {"id": str(tax.uuid), "name": tax.name, "description": tax.description or tax.name, "uri": tax.uri}
    )


def assured_date(service: Service) -> str | None:
    """When someone last confirmed the service: its publisher's date for an import, else its confirmation here."""
    if service.assured_on:
        return service.assured_on.isoformat()
    return service.confirmed_at.date().isoformat() if service.confirmed_at else None


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
            "accreditations": service.accreditations,
            "minimum_age": service.minimum_age,
            "maximum_age": service.maximum_age,
            "assured_date": assured_date(service),
            "assurer_email": service.assurer_email,
            "alert": service.alert,
            "last_modified": service.updated_at.isoformat() if service.updated_at else None,
            "organization": organization(profile),
        }
    )


def _schedule_key(row: OpeningTime) -> str:
    # The session's own fields, so a round trip through an import keeps its id. A plain weekly or monthly
    # session keeps the id it has had since before dates, intervals and days of the month were kept.
    key = f"{row.week_of_month or ''}{ICAL_DAYS[row.day]}" if row.day else f"D{row.day_of_month}"
    key = f"schedule:{key}:{row.opens_at:%H:%M}:{row.closes_at:%H:%M}"
    extras = [
        f"{name}={value}"
        for name in ("interval", "starts_on", "valid_from", "valid_to", "description")
        if (value := getattr(row, name)) not in (None, "", 1)
    ]
    return ":".join([key, *extras])


def schedule(row: OpeningTime, *, service_id: str, link: ServiceLocation | None, notes: str) -> dict:
    """One session as Open Referral's schedule (iCalendar's freq, interval, byday, bymonthday, dtstart)."""
    owner = link.uuid if link else service_id
    byday = None
    if row.day:
        byday = f"{row.week_of_month}{ICAL_DAYS[row.day]}" if row.week_of_month else ICAL_DAYS[row.day]
    data = {
        "id": derived_id(owner, _schedule_key(row)),
        "service_id": service_id,
        "service_at_location_id": str(link.uuid) if link else None,
        "freq": row.freq,
        "interval": row.interval,
        "byday": byday,
        "bymonthday": str(row.day_of_month) if row.day_of_month else None,
        "dtstart": row.starts_on.isoformat() if row.starts_on else None,
        "valid_from": row.valid_from.isoformat() if row.valid_from else None,
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
        "opens_at": row.opens_at.strftime("%H:%M"),
        "closes_at": row.closes_at.strftime("%H:%M"),
        "description": row.description or str(row),
        "notes": notes,
    }
    return _drop_empty(data)


def contact(row: Contact, *, service_id: str) -> dict:
    """A contact with its telephone numbers (`email` and `phones` are HSDS 3.0's, which the profile allows)."""
    data = _drop_empty(
        {"id": str(row.uuid), "service_id": service_id, "name": row.name, "title": row.title, "email": row.email}
    )
    phones = [{"id": derived_id(row.uuid, f"phone:{number}"), "number": number} for number in row.phone_list]
    if phones:
        data["phones"] = phones
    return data


def address(location: Location) -> dict | None:
    """The location's postal address, only when every field the profile requires is known (never sent empty)."""
    if location.kind != Location.Kind.PHYSICAL:
        return None
    if not (location.address_1 and location.city and location.state_province and location.postcode):
        return None
    return {
        "id": derived_id(location.uuid, "address"),
        "location_id": str(location.uuid),
        "address_1": location.address_1,
        "city": location.city,
        "state_province": location.state_province,
        "postal_code": location.postcode,
        "country": location.country or "GB",
        "address_type": "physical",
    }


def location_item(location: Location, *, full: bool = True) -> dict:
    data = _drop_empty(
        {
            "id": str(location.uuid),
            "location_type": "virtual" if location.is_virtual else "physical",
            "name": location.name or VIRTUAL_NAMES.get(location.kind, ""),
            "description": location.description,
            "latitude": location.latitude,
            "longitude": location.longitude,
        }
    )
    if not full:
        return data
    found = address(location)
    if found:
        data["addresses"] = [found]
    if location.accessibility:
        data["accessibility"] = [
            {
                "id": derived_id(location.uuid, "accessibility"),
                "location_id": str(location.uuid),
                "description": location.accessibility,
            }
        ]
    return data


def service_at_location_item(link: ServiceLocation, *, full: bool = False, distance: float | None = None) -> dict:
    """A service at one location: /service_at_locations lists these and /service_at_locations/{id} nests them."""
    service = link.service
    data = {
        "id": str(link.uuid),
        "service_id": str(service.uuid),
        "location_id": str(link.location.uuid),
        "location": location_item(link.location, full=full),
        "service": service_full(service) if full else service_list_item(service),
    }
    if full:
        # The profile's openapi.json declares the service schema for /service_at_locations/{id}, where HSDS 3.0
        # (and the validator's own example) returns a service_at_location: name and status make the answer
        # valid against both. docs/architecture.md, "Open Referral UK", says why.
        data["name"] = f"{service.name} at {link.location}"
        data["status"] = service.status
        data["schedules"] = [
            schedule(row, service_id=str(service.uuid), link=link, notes=service.schedule_notes)
            for row in _sessions_at(service, link)
        ]
    if distance is not None:
        data["distance"] = round(distance)
    return data


def _sessions_at(service: Service, link: ServiceLocation | None) -> list[OpeningTime]:
    wanted = link.pk if link else None
    return [row for row in service.opening_times.all() if row.service_location_id == wanted]


def service_full(service: Service) -> dict:
    """The fully nested service, as /services/{id} returns it and the import reads it."""
    data = service_list_item(service)
    service_id = str(service.uuid)
    data["eligibility_description"] = service.eligibility
    data["application_process"] = service.how_to_access
    data["attributes"] = [
        {
            "id": derived_id(service_id, f"attribute:{term.uuid}"),
            "link_id": service_id,
            "link_type": "service",
            "taxonomy_term_id": str(term.uuid),
            "taxonomy_term": taxonomy_term(term),
        }
        for term in [*service.types.all(), *service.outcomes.all(), *service.other_terms.all()]
    ]
    links = list(service.service_locations.all())
    data["schedules"] = [
        schedule(row, service_id=service_id, link=None, notes=service.schedule_notes)
        for row in _sessions_at(service, None)
    ] + [
        schedule(row, service_id=service_id, link=link, notes=service.schedule_notes)
        for link in links
        for row in _sessions_at(service, link)
    ]
    data["languages"] = [
        {"id": derived_id(service_id, f"language:{name.lower()}"), "service_id": service_id, "name": name}
        for name in service.language_list
    ]
    if service.cost:
        data["cost_options"] = [
            {"id": derived_id(service_id, "cost"), "service_id": service_id, "amount_description": service.cost}
        ]
    data["funding"] = [
        {"id": derived_id(service_id, f"funding:{source}"), "service_id": service_id, "source": source}
        for source in _lines(service.funding)
    ]
    data["service_areas"] = [
        {"id": derived_id(service_id, f"service_area:{area}"), "service_id": service_id, "name": area}
        for area in _lines(service.service_areas)
    ]
    data["contacts"] = [contact(row, service_id=service_id) for row in service.contacts.all()]
    data["service_at_locations"] = [
        {
            "id": str(link.uuid),
            "service_id": service_id,
            "location_id": str(link.location.uuid),
            "location": location_item(link.location),
        }
        for link in links
    ]
    return {key: value for key, value in data.items() if value != []}


def page(items, *, page_number: int, per_page: int, total: int) -> dict:
    """Open Referral UK's page object around one page of contents; a page past the last is empty."""
    total_pages = math.ceil(total / per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(items),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not items,
        "contents": items,
    }


def root() -> dict:
    return {
        "version": HSDS_VERSION,
        "profile": PROFILE_URL,
        "openapi_url": OPENAPI_URL,
    }
