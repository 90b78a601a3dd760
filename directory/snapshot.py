"""What a directory says, as plain data: the draft's entries frozen into the snapshot a version keeps."""

from django.db.models import Prefetch

from agencies.models import Agency, Membership, User
from config.templatetags.wording import working_days

from .models import (
    SESSION_ORDER,
    Day,
    Directory,
    DirectoryEntry,
    OpeningTime,
    Service,
    ServiceLocation,
)

# --- The snapshot: what a directory says, as plain data ---------------------------------------------


def _times(rows) -> list[str]:
    return [str(r) for r in rows]


def _age_range(minimum, maximum) -> str:
    if minimum is None and maximum is None:
        return ""
    if minimum is None:
        return f"Up to {maximum} years"
    if maximum is None:
        return f"{minimum} years and over"
    return f"{minimum} to {maximum} years"


def _details(*pairs) -> list[list[str]]:
    return [[label, str(value)] for label, value in pairs if value not in (None, "", [])]


def _agency_entry(agency: Agency) -> dict:
    profile = agency.directory_profile
    services = [s for s in agency.directory_services.all() if s.status == Service.Status.ACTIVE]
    types = list(profile.services_offered.all())
    outcome_terms = {t.code: t for s in services for t in s.outcomes.all()}
    ages = [s for s in services if s.minimum_age is not None or s.maximum_age is not None]
    minimum = min((s.minimum_age or 0 for s in ages), default=None)
    maximum = max((s.maximum_age if s.maximum_age is not None else 25 for s in ages), default=None)
    rows = list(profile.opening_times.all())
    address = "\n".join(part for part in (agency.address, agency.postcode) if part)
    offered = ", ".join(
        [t.name for t in types] + ([profile.services_offered_other] if profile.services_offered_other else [])
    )
    return {
        "kind": "agency",
        "places": [{"postcode": agency.postcode, "latitude": None, "longitude": None}] if agency.postcode else [],
        "name": agency.name,
        "agency": agency.name,
        "description": profile.profile,
        "types": [t.code for t in types],
        "type_names": [t.name for t in types],
        "outcomes": sorted(outcome_terms),
        "outcome_names": [outcome_terms[c].name for c in sorted(outcome_terms)],
        "minimum_age": minimum,
        "maximum_age": maximum,
        "days": sorted({r.day for r in rows if r.day}),
        "confirmed_at": profile.confirmed_at.isoformat() if profile.confirmed_at else None,
        "details": _details(
            ("Services offered", offered),
            ("Address", address),
            ("Contact person", profile.contact_person),
            ("Telephone", agency.phone),
            ("Fax", profile.fax),
            ("Email", agency.email),
            ("Website", agency.website),
            ("Opening and contact times", "\n".join(_times(rows))),
            ("Exceptions", profile.opening_exceptions),
            ("How to refer", profile.how_to_refer),
            ("What to include in a referral", profile.referral_information),
            (
                "Expected response",
                working_days(profile.expected_response_days) if profile.expected_response_days is not None else "",
            ),
            (
                "Urgent referrals",
                working_days(profile.urgent_response_days) if profile.urgent_response_days is not None else "",
            ),
            ("Other information", profile.other_information),
        ),
    }


def _service_entry(service: Service) -> dict:
    types = list(service.types.all())
    outcome_terms = list(service.outcomes.all())
    rows = list(service.opening_times.all())
    links = list(service.service_locations.all())
    contacts = list(service.contacts.all())
    profile = service.agency.directory_profile
    return {
        "kind": "service",
        "places": [_place(link.location) for link in links if not link.location.is_virtual],
        "name": service.name,
        "agency": service.agency.name,
        "description": service.description,
        "types": [t.code for t in types],
        "type_names": [t.name for t in types],
        "outcomes": [t.code for t in outcome_terms],
        "outcome_names": [t.name for t in outcome_terms],
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "days": sorted({r.day for r in rows if r.day}),
        "confirmed_at": service.confirmed_at.isoformat() if service.confirmed_at else None,
        "details": _details(
            ("Provided by", service.agency.name),
            ("Type of service", ", ".join(t.name for t in types)),
            ("Every Child Matters outcomes", ", ".join(t.name for t in outcome_terms)),
            ("Ages", _age_range(service.minimum_age, service.maximum_age)),
            ("Who can use it", service.eligibility),
            ("Cost", service.cost),
            ("Languages", service.languages),
            ("Where", "\n".join(_place_line(link, rows) for link in links)),
            ("When", "\n".join(_times(r for r in rows if r.service_location_id is None))),
            ("Exceptions", service.schedule_notes),
            ("Accessibility", "\n".join(_accessibility_lines(links))),
            ("How to access it", service.how_to_access),
            ("How to refer", profile.how_to_refer),
            ("Contacts", "\n".join(_contact_line(c) for c in contacts)),
            ("Telephone", "" if any(c.phone_list for c in contacts) else service.agency.phone),
            ("Email", service.contact_email or ("" if any(c.email for c in contacts) else service.agency.email)),
            ("Web page", service.url),
        ),
    }


def _contact_line(contact) -> str:
    who = ", ".join(part for part in (contact.name, contact.title) if part)
    how = ", ".join([*contact.phone_list, *([contact.email] if contact.email else [])])
    return ": ".join(part for part in (who, how) if part)


def _place(location) -> dict:
    # Coordinates are filled in from the postcode dataset by directory_snapshot when the place has none.
    return {"postcode": location.postcode, "latitude": location.latitude, "longitude": location.longitude}


def _place_line(link, rows) -> str:
    location = link.location
    where = str(location)
    times = _times(r for r in rows if r.service_location_id == link.pk)
    return f"{where}: {'; '.join(times)}" if times else where


def _accessibility_lines(links) -> list[str]:
    if len(links) == 1:
        return [links[0].location.accessibility] if links[0].location.accessibility else []
    return [f"{link.location}: {link.location.accessibility}" for link in links if link.location.accessibility]


def _practitioner_entry(user: User) -> dict:
    profile = user.directory_profile
    agencies = ", ".join(m.agency.name for m in user.memberships.all() if m.ended_on is None)
    days = sorted(int(d) for d in profile.available_days or [])
    return {
        "kind": "practitioner",
        "name": user.full_name,
        "agency": agencies,
        "description": user.role_outline,
        "types": [],
        "type_names": [],
        "outcomes": [],
        "outcome_names": [],
        "minimum_age": None,
        "maximum_age": None,
        "days": days,
        "confirmed_at": profile.confirmed_at.isoformat() if profile.confirmed_at else None,
        "details": _details(
            ("Job title", user.job_title),
            ("Agency", agencies),
            ("Days available", ", ".join(Day(d).label for d in days)),
            ("Times of availability", user.availability),
            ("Where to find them", profile.location_on_site),
            ("Telephone", user.phone),
            ("Email", profile.contact_email),
        ),
    }


def draft_entries(directory: Directory):
    """The draft's entries with everything the snapshot reads, in a constant number of queries."""
    active_services = Service.objects.filter(status=Service.Status.ACTIVE).prefetch_related("outcomes")
    return (
        directory.entries.select_related(
            "section",
            "agency__directory_profile",
            "service__agency__directory_profile",
            "practitioner__directory_profile",
        )
        .prefetch_related(
            "agency__directory_profile__services_offered",
            "agency__directory_profile__opening_times",
            Prefetch("agency__directory_services", queryset=active_services),
            "service__types",
            "service__outcomes",
            Prefetch("service__opening_times", queryset=OpeningTime.objects.order_by(*SESSION_ORDER)),
            "service__contacts",
            Prefetch("service__service_locations", queryset=ServiceLocation.objects.select_related("location")),
            Prefetch("practitioner__memberships", queryset=Membership.objects.select_related("agency")),
        )
        .order_by("section__position", "section_id", "position", "pk")
    )


def entry_is_listed(entry: DirectoryEntry) -> bool:
    """Whether the entry's target may still be shown: agencies and practitioners choose, services must be active."""
    if entry.kind == DirectoryEntry.Kind.AGENCY:
        profile = getattr(entry.agency, "directory_profile", None)
        return bool(entry.agency.is_active and profile and profile.is_listed)
    if entry.kind == DirectoryEntry.Kind.SERVICE:
        profile = getattr(entry.service.agency, "directory_profile", None)
        return bool(
            entry.service.status == Service.Status.ACTIVE
            and entry.service.agency.is_active
            and profile
            and profile.is_listed
        )
    profile = getattr(entry.practitioner, "directory_profile", None)
    current = [m for m in entry.practitioner.memberships.all() if m.ended_on is None and m.agency.is_active]
    return bool(entry.practitioner.is_active and profile and profile.is_listed and current)


def entry_as_data(entry: DirectoryEntry) -> dict:
    if entry.kind == DirectoryEntry.Kind.AGENCY:
        data = _agency_entry(entry.agency)
    elif entry.kind == DirectoryEntry.Kind.SERVICE:
        data = _service_entry(entry.service)
    else:
        data = _practitioner_entry(entry.practitioner)
    data["key"] = entry.key
    data["note"] = entry.note
    return data


def directory_snapshot(directory: Directory, entries=None) -> dict:
    """The draft as plain data, ready to freeze: only entries still listed, and nothing about any child."""
    entries = list(draft_entries(directory)) if entries is None else entries
    sections = {None: {"heading": "", "entries": []}}
    for section in directory.sections.all():
        sections[section.pk] = {"heading": section.heading, "entries": []}
    for entry in entries:
        if entry_is_listed(entry):
            data = entry_as_data(entry)
            if entry.kind == DirectoryEntry.Kind.PRACTITIONER and directory.setting.postcode:
                # A practitioner listed in a setting's directory is found at the setting.
                data["places"] = [{"postcode": directory.setting.postcode, "latitude": None, "longitude": None}]
            sections[entry.section_id]["entries"].append(data)
    _fill_coordinates(sections.values())
    ordered = [sections.pop(None)] + list(sections.values())
    return {
        "title": directory.title,
        "introduction": directory.introduction,
        "setting": directory.setting.name,
        "sections": [s for s in ordered if s["entries"] or s["heading"]],
    }


def _fill_coordinates(sections) -> None:
    """Give every place without coordinates its postcode's centroid, in one query for the whole snapshot."""
    from .models import Postcode

    places = [p for section in sections for e in section["entries"] for p in e.get("places", [])]
    wanted = {p["postcode"] for p in places if p["latitude"] is None and p["postcode"]}
    if not wanted:
        return
    points = {
        row[0]: row[1:]
        for row in Postcode.objects.filter(postcode__in=wanted).values_list("postcode", "latitude", "longitude")
    }
    for place in places:
        if place["latitude"] is None and place["postcode"] in points:
            place["latitude"], place["longitude"] = points[place["postcode"]]
