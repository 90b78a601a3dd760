"""Reads for the directory: what is listed, the draft as a snapshot, what changed, the public search."""

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from agencies.models import Agency, Membership, User
from config.history import HistoryEntry, history_entries

from .models import (
    SESSION_ORDER,
    STALE_AFTER,
    AgencyProfile,
    Directory,
    DirectoryEntry,
    DirectorySection,
    DirectoryVersion,
    OpeningTime,
    PractitionerProfile,
    Service,
    ServiceLocation,
    TaxonomyTerm,
)
from .snapshot import directory_snapshot


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
EARTH_RADIUS_METRES = 6_371_000


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


# --- Change history -----------------------------------------------------------------------------------


def agency_sheet_history(agency: Agency) -> list[HistoryEntry]:
    """Every change to the agency's information sheet, its services, their places, contacts and opening
    times, newest first."""
    from .models import Contact, Location

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
        *Contact.history.filter(service_id__in=service_ids).select_related("history_user"),
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
        if record.instance_type.__name__ == "Contact":
            return f"Contact of “{names.get(record.service_id, 'a service')}” ({record.instance})"
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
