"""Reads for the directory: what is listed, the draft as a snapshot, what changed, the public search."""

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone

from agencies.models import Agency, Membership, User
from agencies.selectors import HistoryEntry, history_entries
from agencies.templatetags.wording import working_days

from .models import (
    STALE_AFTER,
    AgencyProfile,
    Day,
    Directory,
    DirectoryEntry,
    DirectorySection,
    DirectoryVersion,
    OpeningTime,
    PractitionerProfile,
    Service,
    ServiceLocation,
    Taxonomy,
    TaxonomyTerm,
)


def listed_agencies():
    """Active agencies that chose to be listed (their sheet says so)."""
    return Agency.objects.filter(is_active=True, directory_profile__is_listed=True)


def listed_services():
    """Active services of listed agencies: what directories and Open Referral UK may show."""
    return Service.objects.filter(
        status=Service.Status.ACTIVE, agency__is_active=True, agency__directory_profile__is_listed=True
    )


def listed_practitioners():
    """Active practitioners who chose to be listed, with a current membership of an active agency."""
    current = Membership.objects.current().filter(user=OuterRef("pk"), agency__is_active=True)
    return User.objects.filter(is_active=True, directory_profile__is_listed=True).filter(Exists(current))


def profile_of(agency: Agency) -> AgencyProfile:
    """The agency's sheet, or an unsaved empty one if nobody has filled it in yet."""
    try:
        return agency.directory_profile
    except AgencyProfile.DoesNotExist:
        return AgencyProfile(agency=agency)


def practitioner_profile_of(user: User) -> PractitionerProfile:
    try:
        return user.directory_profile
    except PractitionerProfile.DoesNotExist:
        return PractitionerProfile(user=user)


# Sessions in the order people read them (and the feed sends them): by day, then by what they are.
SESSION_ORDER = (
    F("day").asc(nulls_last=True),
    F("week_of_month").asc(nulls_first=True),
    "day_of_month",
    "opens_at",
    "closes_at",
    "interval",
    "starts_on",
    "valid_from",
    "valid_to",
    "description",
)


def services_of(agency: Agency):
    return agency.directory_services.prefetch_related(
        "types",
        "outcomes",
        "contacts",
        Prefetch("opening_times", queryset=OpeningTime.objects.order_by(*SESSION_ORDER)),
        Prefetch("service_locations", queryset=ServiceLocation.objects.select_related("location")),
        Prefetch("service_locations__opening_times", queryset=OpeningTime.objects.order_by(*SESSION_ORDER)),
    ).order_by("name")


def terms(taxonomy_code: str):
    return TaxonomyTerm.objects.filter(taxonomy__code=taxonomy_code).order_by("position")


def stale_cutoff():
    return timezone.now() - STALE_AFTER


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


def latest_version(directory: Directory) -> DirectoryVersion | None:
    return directory.versions.order_by("-number").defer("content").first()


# Published versions never change (DirectoryVersion refuses save() and delete() once made), so each process
# decodes a version's content once: for a directory of 5,000 services that is 3 MB of JSON and 140 ms.
_CONTENT_CACHE: OrderedDict[tuple[int, object], dict] = OrderedDict()
_CONTENT_CACHE_SIZE = 8
_CONTENT_CACHE_LOCK = threading.Lock()


def version_content(version: DirectoryVersion) -> dict:
    """A published version's content, shared read-only between requests: never change what it returns."""
    key = (version.pk, version.published_at)
    with _CONTENT_CACHE_LOCK:
        if key in _CONTENT_CACHE:
            _CONTENT_CACHE.move_to_end(key)
            return _CONTENT_CACHE[key]
    content = DirectoryVersion.objects.values_list("content", flat=True).get(pk=version.pk)
    with _CONTENT_CACHE_LOCK:
        _CONTENT_CACHE[key] = content
        while len(_CONTENT_CACHE) > _CONTENT_CACHE_SIZE:
            _CONTENT_CACHE.popitem(last=False)
    return content


# What each process derives from a published version (its filters' choices, each entry's rendered card):
# a version never changes, so neither does anything made from it. Bounded, least recently used first out.
_MEMO: OrderedDict[tuple, object] = OrderedDict()
_MEMO_SIZE = 20_000


def version_memo(version: DirectoryVersion, what, make):
    """`make()` for this published version, made once per process; shared read-only between requests."""
    key = (version.pk, version.published_at, what)
    with _CONTENT_CACHE_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    value = make()
    with _CONTENT_CACHE_LOCK:
        _MEMO[key] = value
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value


def versions_of(directory: Directory):
    return directory.versions.select_related("published_by").order_by("-number").defer("content")


@dataclass
class Change:
    kind: str  # "added", "removed", "changed"
    name: str
    fields: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.kind == "changed":
            return f"{self.name}: {', '.join(self.fields).lower()} changed"
        return f"{self.name}: {self.kind}"


def _flatten(content: dict) -> dict[str, dict]:
    out = {}
    for section in content.get("sections", []):
        for entry in section["entries"]:
            out[entry["key"]] = dict(entry, section=section["heading"])
    return out


def directory_changes(directory: Directory, draft: dict | None = None) -> list[Change]:
    """What the draft would change against the last publication: entries added, removed and changed (by field)."""
    latest = latest_version(directory)
    if latest is None:
        return []
    draft = directory_snapshot(directory) if draft is None else draft
    before, after = _flatten(version_content(latest)), _flatten(draft)
    changes = []
    for key, entry in after.items():
        if key not in before:
            changes.append(Change("added", entry["name"]))
            continue
        old = before[key]
        fields = []
        if old["name"] != entry["name"]:
            fields.append("Name")
        if old["description"] != entry["description"]:
            fields.append("Description")
        if old.get("note") != entry.get("note"):
            fields.append("Note for the setting")
        if old.get("section") != entry.get("section"):
            fields.append("Group")
        old_details, new_details = dict(map(tuple, old["details"])), dict(map(tuple, entry["details"]))
        for label in dict.fromkeys([*old_details, *new_details]):
            if old_details.get(label) != new_details.get(label):
                fields.append(label)
        if fields:
            changes.append(Change("changed", entry["name"], fields))
    for key, entry in before.items():
        if key not in after:
            changes.append(Change("removed", entry["name"]))
    return changes


def stale_entries(entries) -> list[DirectoryEntry]:
    """Entries whose agency, service or practitioner profile has not been confirmed for six months."""
    cutoff = stale_cutoff()
    stale = []
    for entry in entries:
        if entry.kind == DirectoryEntry.Kind.AGENCY:
            target = getattr(entry.agency, "directory_profile", None)
        elif entry.kind == DirectoryEntry.Kind.SERVICE:
            target = entry.service
        else:
            target = getattr(entry.practitioner, "directory_profile", None)
        if target is None or target.confirmed_at is None or target.confirmed_at < cutoff:
            stale.append(entry)
    return stale


# --- The public page ---------------------------------------------------------------------------------


def published_directory(slug: str) -> Directory | None:
    return Directory.objects.select_related("setting").filter(slug=slug).first()


def published_version(directory: Directory, number: int | None = None) -> DirectoryVersion | None:
    versions = directory.versions.defer("content")  # read through version_content()
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def published_versions_for_public(directory: Directory) -> list[dict]:
    return list(directory.versions.order_by("-number").values("number", "published_at"))


@dataclass(frozen=True)
class PublicFilters:
    search: str = ""
    type: str = ""
    outcome: str = ""
    age: int | None = None
    day: int | None = None
    # The searched postcode's centroid, and how far from it, in miles.
    point: tuple[float, float] | None = None
    miles: float | None = None

    @property
    def any(self) -> bool:
        return bool(self.search or self.type or self.outcome or self.age is not None or self.day or self.point)


METRES_PER_MILE = 1609.344


def distance_metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two points (the public page's frozen versions are searched in Python)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.acos(max(-1.0, min(1.0, cosine))) * EARTH_RADIUS_METRES


def entry_distance(entry: dict, point) -> float | None:
    """Metres from the point to the entry's nearest place with coordinates, or None if it has none."""
    found = [
        distance_metres(point, (p["latitude"], p["longitude"]))
        for p in entry.get("places", [])
        if p.get("latitude") is not None
    ]
    return min(found) if found else None


def _matches(entry: dict, filters: PublicFilters) -> bool:
    if filters.type and filters.type not in entry["types"]:
        return False
    if filters.outcome and filters.outcome not in entry["outcomes"]:
        return False
    if filters.day and filters.day not in entry["days"]:
        return False
    if filters.age is not None:
        if entry["minimum_age"] is None and entry["maximum_age"] is None:
            # Practitioners and agencies without age ranges serve every age.
            pass
        elif not (
            (entry["minimum_age"] or 0)
            <= filters.age
            <= (entry["maximum_age"] if entry["maximum_age"] is not None else 99)
        ):
            return False
    if filters.point is not None:
        distance = entry_distance(entry, filters.point)
        if distance is None or (filters.miles is not None and distance > filters.miles * METRES_PER_MILE):
            return False
    if filters.search:
        haystack = " ".join(
            [entry["name"], entry["agency"], entry["description"], entry.get("note", "")]
            + [value for _, value in entry["details"]]
        ).lower()
        if not all(word in haystack for word in filters.search.lower().split()):
            return False
    return True


def search_version(content: dict, filters: PublicFilters) -> list[dict]:
    """The published sections with only the entries matching the filters (sections left empty are dropped)."""
    sections = []
    for section in content["sections"]:
        entries = [e for e in section["entries"] if _matches(e, filters)]
        if filters.point is not None:
            # Nearest first, each with how far it is (a copy: the cached content is shared between requests).
            entries = sorted(
                ({**e, "miles": entry_distance(e, filters.point) / METRES_PER_MILE} for e in entries),
                key=lambda e: e["miles"],
            )
        if entries:
            sections.append({"heading": section["heading"], "entries": entries})
    return sections


# --- Open Referral UK ---------------------------------------------------------------------------------

EARTH_RADIUS_METRES = 6_371_000


@dataclass(frozen=True)
class OpenReferralFilters:
    """The filters of /services and /service_at_locations, already checked by the view."""

    search: str = ""
    taxonomy_term_id: object = None
    taxonomy_id: object = None
    organization_id: object = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    day: int | None = None
    start_time: object = None
    end_time: object = None
    modified_after: object = None


def _session_filter(filters: OpenReferralFilters, prefix: str = ""):
    """Services with one session that meets the day and time filters together."""
    if filters.day is None and filters.start_time is None and filters.end_time is None:
        return None
    sessions = OpeningTime.objects.filter(service=OuterRef(f"{prefix}pk"))
    if filters.day is not None:
        sessions = sessions.filter(day=filters.day)
    if filters.start_time is not None:
        sessions = sessions.filter(opens_at__gte=filters.start_time)
    if filters.end_time is not None:
        sessions = sessions.filter(closes_at__lte=filters.end_time)
    return Exists(sessions)


def _service_filters(filters: OpenReferralFilters, prefix: str = "") -> Q:
    """The filters as one condition on services (`prefix` reaches the service from another model)."""
    condition = Q()
    for word in filters.search.split():
        # Every word somewhere, not the whole phrase: "baby clinic" finds "Baby and child clinic".
        condition &= (
            Q(**{f"{prefix}name__icontains": word})
            | Q(**{f"{prefix}description__icontains": word})
            | Q(**{f"{prefix}agency__name__icontains": word})
        )
    if filters.taxonomy_term_id:
        condition &= (
            Q(**{f"{prefix}types__uuid": filters.taxonomy_term_id})
            | Q(**{f"{prefix}outcomes__uuid": filters.taxonomy_term_id})
            | Q(**{f"{prefix}other_terms__uuid": filters.taxonomy_term_id})
        )
    if filters.taxonomy_id:
        condition &= (
            Q(**{f"{prefix}types__taxonomy__uuid": filters.taxonomy_id})
            | Q(**{f"{prefix}outcomes__taxonomy__uuid": filters.taxonomy_id})
            | Q(**{f"{prefix}other_terms__taxonomy__uuid": filters.taxonomy_id})
        )
    if filters.organization_id:
        condition &= Q(**{f"{prefix}agency__directory_profile__uuid": filters.organization_id})
    if filters.minimum_age is not None:
        # "A minimum age of at least the value": services that take nobody younger (no minimum is 0).
        at_least = Q(**{f"{prefix}minimum_age__gte": filters.minimum_age})
        condition &= at_least | Q(**{f"{prefix}minimum_age__isnull": True}) if filters.minimum_age <= 0 else at_least
    if filters.maximum_age is not None:
        # "A maximum age at or below the value": an open upper bound is above every value.
        condition &= Q(**{f"{prefix}maximum_age__lte": filters.maximum_age})
    if filters.modified_after is not None:
        condition &= Q(**{f"{prefix}updated_at__gte": filters.modified_after})
    return condition


def _distinct_needed(filters: OpenReferralFilters) -> bool:
    return bool(filters.taxonomy_term_id or filters.taxonomy_id)


def openreferral_services(filters: OpenReferralFilters | None = None):
    """Listed services for Open Referral UK, filtered as its API describes, with their organisation joined."""
    filters = filters or OpenReferralFilters()
    services = listed_services().select_related("agency__directory_profile").order_by("name", "pk")
    services = services.filter(_service_filters(filters))
    sessions = _session_filter(filters)
    if sessions is not None:
        services = services.filter(sessions)
    if _distinct_needed(filters):
        # Distinct through a subquery, so the page's ORDER BY and OFFSET stay cheap.
        services = (
            listed_services()
            .select_related("agency__directory_profile")
            .order_by("name", "pk")
            .filter(pk__in=services.values("pk"))
        )
    return services


def _full_service_prefetches(prefix: str = ""):
    terms_with_taxonomy = TaxonomyTerm.objects.select_related("taxonomy")
    return [
        Prefetch(f"{prefix}types", queryset=terms_with_taxonomy),
        Prefetch(f"{prefix}outcomes", queryset=terms_with_taxonomy),
        Prefetch(f"{prefix}other_terms", queryset=terms_with_taxonomy),
        Prefetch(f"{prefix}opening_times", queryset=OpeningTime.objects.order_by(*SESSION_ORDER)),
        Prefetch(f"{prefix}service_locations", queryset=ServiceLocation.objects.select_related("location")),
        f"{prefix}contacts",
    ]


def openreferral_service(service_uuid) -> Service | None:
    """One listed service with everything the full Open Referral UK record nests."""
    return (
        listed_services()
        .select_related("agency__directory_profile")
        .prefetch_related(*_full_service_prefetches())
        .filter(uuid=service_uuid)
        .first()
    )


def _distance_metres(latitude: float, longitude: float):
    """Great-circle distance from a point to each location, as a database expression (PostgreSQL and SQLite)."""
    from django.db.models import F, FloatField, Value
    from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Sin

    lat = math.radians(latitude)
    cosine = Value(math.sin(lat)) * Sin(Radians(F("location__latitude"))) + Value(math.cos(lat)) * Cos(
        Radians(F("location__latitude"))
    ) * Cos(Radians(F("location__longitude")) - Value(math.radians(longitude)))
    # Rounding can push the cosine a hair past 1 for a location at the point itself.
    bounded = Greatest(Least(cosine, Value(1.0)), Value(-1.0), output_field=FloatField())
    return ACos(bounded) * Value(float(EARTH_RADIUS_METRES))


def bounding_box(latitude: float, longitude: float, metres: float) -> tuple[float, float, float, float]:
    """South, north, west and east edges of a box holding every point within `metres` (for the index)."""
    dlat = math.degrees(metres / EARTH_RADIUS_METRES)
    dlon = math.degrees(metres / (EARTH_RADIUS_METRES * max(math.cos(math.radians(latitude)), 1e-6)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def openreferral_service_locations(
    filters: OpenReferralFilters | None = None, *, point: tuple[float, float] | None = None, metres=None
):
    """Listed services at each of their locations; near a point, nearest first, within `metres` if given.

    The distance is computed by the database; a bounding box on the indexed coordinates first narrows
    the rows it is computed for."""
    filters = filters or OpenReferralFilters()
    links = (
        ServiceLocation.objects.filter(service__in=listed_services())
        .filter(_service_filters(filters, prefix="service__"))
        .select_related("location", "service__agency__directory_profile")
    )
    sessions = _session_filter(filters, prefix="service__")
    if sessions is not None:
        links = links.filter(sessions)
    if _distinct_needed(filters):
        links = ServiceLocation.objects.filter(pk__in=links.values("pk")).select_related(
            "location", "service__agency__directory_profile"
        )
    if point is None:
        return links.order_by("service__name", "service_id", "position", "pk")
    links = links.filter(location__latitude__isnull=False, location__longitude__isnull=False)
    if metres is not None:
        south, north, west, east = bounding_box(*point, metres)
        links = links.filter(location__latitude__range=(south, north), location__longitude__range=(west, east))
    links = links.annotate(distance=_distance_metres(*point))
    if metres is not None:
        links = links.filter(distance__lte=metres)
    return links.order_by("distance", "service__name", "pk")


def openreferral_service_location(link_uuid) -> ServiceLocation | None:
    return (
        ServiceLocation.objects.filter(service__in=listed_services(), uuid=link_uuid)
        .select_related("location", "service__agency__directory_profile")
        .prefetch_related(*_full_service_prefetches("service__"))
        .first()
    )


def import_runs_of(setting: Agency):
    """The setting's import runs, newest first, without their reports (read one run at a time)."""
    from .models import ImportRun

    return ImportRun.objects.filter(setting=setting).select_related("started_by").defer("report")


def taxonomies():
    return Taxonomy.objects.order_by("code")


def taxonomy_terms():
    return TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__code", "position", "code")


# --- Change history -----------------------------------------------------------------------------------


def agency_sheet_history(agency: Agency) -> list[HistoryEntry]:
    """Every change to the agency's information sheet, its services, their places and their opening times,
    newest first."""
    from .models import Location

    service_ids = set(Service.history.filter(agency_id=agency.pk).values_list("id", flat=True))
    profile_ids = set(AgencyProfile.history.filter(agency_id=agency.pk).values_list("id", flat=True))
    location_ids = set(ServiceLocation.history.filter(service_id__in=service_ids).values_list("location_id", flat=True))
    records = [
        *AgencyProfile.history.filter(id__in=profile_ids).select_related("history_user"),
        *Service.history.filter(id__in=service_ids).select_related("history_user"),
        *OpeningTime.history.filter(Q(profile_id__in=profile_ids) | Q(service_id__in=service_ids)).select_related(
            "history_user"
        ),
        *Location.history.filter(id__in=location_ids).select_related("history_user"),
    ]
    records.sort(key=lambda r: r.history_date, reverse=True)
    # A service's name as last recorded, even after it was deleted, for its opening times.
    names = {}
    for record in records:
        if record.instance_type is Service:
            names.setdefault(record.id, record.name)

    def describe(record):
        if record.instance_type is AgencyProfile:
            return "Information sheet"
        if record.instance_type is Service:
            return f"Service “{record.name}”"
        if record.instance_type.__name__ == "Location":
            return f"Place “{record.instance}”"
        if record.service_id:
            return f"Opening time of “{names.get(record.service_id, 'a service')}” ({record.instance})"
        return f"Opening time of the agency ({record.instance})"

    return history_entries(records, describe)


def directory_history(directory: Directory) -> list[HistoryEntry]:
    """Every change to a setting's directory (details, groups, entries) and each publication, newest first."""
    records = [
        *directory.history.select_related("history_user"),
        *DirectorySection.history.filter(directory_id=directory.pk).select_related("history_user"),
        *DirectoryEntry.history.filter(directory_id=directory.pk).select_related(
            "history_user", "agency", "service", "practitioner"
        ),
    ]
    records.sort(key=lambda r: r.history_date, reverse=True)

    def describe(record):
        if record.instance_type is Directory:
            return "The directory's details"
        if record.instance_type is DirectorySection:
            return f"Group “{record.heading}”"
        target = record.agency or record.service or record.practitioner
        kind = dict(DirectoryEntry.Kind.choices).get(record.kind, record.kind)
        return f"{kind} “{target}”" if target else f"{kind} (since deleted)"

    entries = history_entries(records, describe)
    for version in directory.versions.select_related("published_by").defer("content"):
        who = version.published_by.full_name if version.published_by else "The system"
        entries.append(HistoryEntry(version.published_at, who, f"Version {version.number}", "Published", []))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
