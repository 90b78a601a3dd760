"""Reads for the directory: what is listed, the draft as a snapshot, what changed, the public search."""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q
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


def services_of(agency: Agency):
    return agency.directory_services.prefetch_related("types", "outcomes", "opening_times").order_by("name")


def terms(taxonomy_code: str):
    return TaxonomyTerm.objects.filter(taxonomy__code=taxonomy_code).order_by("position")


def stale_cutoff():
    return timezone.now() - STALE_AFTER


# --- The snapshot: what a directory says, as plain data ---------------------------------------------


def _times(rows) -> list[str]:
    return [f"{Day(r.day).label} {r.opens_at:%H:%M} to {r.closes_at:%H:%M}" for r in rows]


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
        "name": agency.name,
        "agency": agency.name,
        "description": profile.profile,
        "types": [t.code for t in types],
        "type_names": [t.name for t in types],
        "outcomes": sorted(outcome_terms),
        "outcome_names": [outcome_terms[c].name for c in sorted(outcome_terms)],
        "minimum_age": minimum,
        "maximum_age": maximum,
        "days": sorted({r.day for r in rows}),
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
    profile = service.agency.directory_profile
    return {
        "kind": "service",
        "name": service.name,
        "agency": service.agency.name,
        "description": service.description,
        "types": [t.code for t in types],
        "type_names": [t.name for t in types],
        "outcomes": [t.code for t in outcome_terms],
        "outcome_names": [t.name for t in outcome_terms],
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "days": sorted({r.day for r in rows}),
        "confirmed_at": service.confirmed_at.isoformat() if service.confirmed_at else None,
        "details": _details(
            ("Provided by", service.agency.name),
            ("Type of service", ", ".join(t.name for t in types)),
            ("Every Child Matters outcomes", ", ".join(t.name for t in outcome_terms)),
            ("Ages", _age_range(service.minimum_age, service.maximum_age)),
            ("Who can use it", service.eligibility),
            ("Cost", service.cost),
            ("Languages", service.languages),
            ("Where", ", ".join(part for part in (service.location, service.postcode) if part)),
            ("When", "\n".join(_times(rows))),
            ("Exceptions", service.schedule_notes),
            ("Accessibility", service.accessibility),
            ("How to access it", service.how_to_access),
            ("How to refer", profile.how_to_refer),
            ("Contact", service.contact_name),
            ("Telephone", service.contact_phone or service.agency.phone),
            ("Email", service.contact_email or service.agency.email),
            ("Web page", service.url),
        ),
    }


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
            "service__opening_times",
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
            sections[entry.section_id]["entries"].append(entry_as_data(entry))
    ordered = [sections.pop(None)] + list(sections.values())
    return {
        "title": directory.title,
        "introduction": directory.introduction,
        "setting": directory.setting.name,
        "sections": [s for s in ordered if s["entries"] or s["heading"]],
    }


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

    @property
    def any(self) -> bool:
        return bool(self.search or self.type or self.outcome or self.age is not None or self.day)


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
        if entries:
            sections.append({"heading": section["heading"], "entries": entries})
    return sections


# --- Open Referral UK ---------------------------------------------------------------------------------


def openreferral_services(*, search: str = "", taxonomy_term_id=None, minimum_age=None, maximum_age=None):
    """Listed services for Open Referral UK, filtered as its API describes, with their organisation joined."""
    services = listed_services().select_related("agency__directory_profile").order_by("name", "pk")
    if search:
        services = services.filter(
            Q(name__icontains=search) | Q(description__icontains=search) | Q(agency__name__icontains=search)
        )
    if taxonomy_term_id:
        services = services.filter(Q(types__uuid=taxonomy_term_id) | Q(outcomes__uuid=taxonomy_term_id)).distinct()
    if minimum_age is not None:
        # "A minimum age of at least the value": services that take nobody younger than it.
        services = services.filter(minimum_age__gte=minimum_age)
    if maximum_age is not None:
        services = services.filter(maximum_age__lte=maximum_age)
    return services


def openreferral_service(service_uuid) -> Service | None:
    """One listed service with everything the full Open Referral UK record nests."""
    return (
        listed_services()
        .select_related("agency__directory_profile")
        .prefetch_related(
            Prefetch("types", queryset=TaxonomyTerm.objects.select_related("taxonomy")),
            Prefetch("outcomes", queryset=TaxonomyTerm.objects.select_related("taxonomy")),
            Prefetch("opening_times", queryset=OpeningTime.objects.order_by("day", "opens_at")),
        )
        .filter(uuid=service_uuid)
        .first()
    )


def taxonomies():
    return Taxonomy.objects.order_by("code")


def taxonomy_terms():
    return TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__code", "position")


# --- Change history -----------------------------------------------------------------------------------


def agency_sheet_history(agency: Agency) -> list[HistoryEntry]:
    """Every change to the agency's information sheet, its services and their opening times, newest first."""
    service_ids = set(Service.history.filter(agency_id=agency.pk).values_list("id", flat=True))
    profile_ids = set(AgencyProfile.history.filter(agency_id=agency.pk).values_list("id", flat=True))
    records = [
        *AgencyProfile.history.filter(id__in=profile_ids).select_related("history_user"),
        *Service.history.filter(id__in=service_ids).select_related("history_user"),
        *OpeningTime.history.filter(Q(profile_id__in=profile_ids) | Q(service_id__in=service_ids)).select_related(
            "history_user"
        ),
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
