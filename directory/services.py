"""Every change to the directory. Each is atomic and records who made it for django-simple-history."""

from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from agencies import services as agency_services
from agencies.models import Agency, User
from config.history import acted_by as _as  # records the acting user for history
from config.history import has_changes, m2m_differs

from . import selectors, snapshot
from .models import (
    SETTING_KINDS,
    AgencyProfile,
    Contact,
    Directory,
    DirectoryEntry,
    DirectorySection,
    DirectoryVersion,
    ImportRun,
    Location,
    OpeningTime,
    Postcode,
    PractitionerProfile,
    Service,
    ServiceLocation,
)

SESSION_FIELDS = (
    "day",
    "week_of_month",
    "day_of_month",
    "interval",
    "starts_on",
    "valid_from",
    "valid_to",
    "description",
    "opens_at",
    "closes_at",
)


@dataclass(frozen=True)
class OpeningSession:
    """One session as an Open Referral schedule says it (OpeningTime's fields, without an owner)."""

    day: int | None
    opens_at: time
    closes_at: time
    # None: every week; 1 to 4, or -1 for the last: that week of the month.
    week_of_month: int | None = None
    # Monthly on a date: 1 to 31, or counted back from the end (-1 the last day).
    day_of_month: int | None = None
    interval: int = 1
    starts_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    description: str = ""

    @classmethod
    def of(cls, row) -> "OpeningSession":
        return cls(**{name: getattr(row, name) for name in SESSION_FIELDS})

    def fields(self) -> dict:
        return {name: getattr(self, name) for name in SESSION_FIELDS}


def _profile_of(agency: Agency) -> AgencyProfile:
    try:
        return agency.directory_profile
    except AgencyProfile.DoesNotExist:
        return AgencyProfile(agency=agency)


def _session_rows(owner_field: str, owner, service_location=None):
    rows = OpeningTime.objects.filter(**{owner_field: owner})
    if owner_field == "service":
        rows = rows.filter(service_location=service_location)
    return rows


def _signature(session) -> tuple:
    # Every field of the session, empty values made alike (None and 0, None and ""), in SESSION_FIELDS order.
    return tuple(
        (getattr(session, name) or (1 if name == "interval" else "" if name == "description" else None))
        for name in SESSION_FIELDS
    )


def _sessions_differ(*, owner_field: str, owner, sessions: list[OpeningSession], service_location=None) -> bool:
    stored = sorted(map(repr, (_signature(row) for row in _session_rows(owner_field, owner, service_location))))
    return stored != sorted(map(repr, {_signature(s) for s in sessions}))


def _set_sessions(actor, *, owner_field: str, owner, sessions: list[OpeningSession], service_location=None) -> None:
    """Replace the owner's opening times, leaving unchanged sessions (and their identifiers) as they are."""
    existing = list(_session_rows(owner_field, owner, service_location))
    wanted = {_signature(s) for s in sessions}
    kept = set()
    for row in existing:
        signature = _signature(row)
        if signature in wanted and signature not in kept:
            kept.add(signature)
        else:
            _as(row, actor).delete()
    for signature in sorted(wanted - kept, key=repr):
        row = OpeningTime(
            **{owner_field: owner},
            service_location=service_location,
            **dict(zip(SESSION_FIELDS, signature, strict=True)),
        )
        row.full_clean()
        _as(row, actor).save()


@transaction.atomic
def agency_sheet_update(
    *, actor: User | None, agency: Agency, agency_fields: dict, sheet_fields: dict, services_offered=()
) -> AgencyProfile:
    """Save an agency's information sheet (its own details and the directory's); saving confirms it as accurate."""
    if agency_fields and any(getattr(agency, name) != value for name, value in agency_fields.items()):
        agency_services.agency_update(actor=actor, agency=agency, **agency_fields)
    profile = _profile_of(agency)
    for name, value in sheet_fields.items():
        setattr(profile, name, value)
    offered_changed = m2m_differs(profile, "services_offered", services_offered)
    if not (has_changes(profile) or offered_changed):
        return profile  # nothing changed: the sheet is not confirmed by a save that changes nothing
    profile.confirmed_at = timezone.now()
    profile.confirmed_by = actor
    profile.full_clean()
    _as(profile, actor).save()
    if offered_changed:
        profile.services_offered.set(services_offered)
    return profile


@transaction.atomic
def agency_opening_times_set(
    *, actor: User | None, agency: Agency, sessions: list[OpeningSession], exceptions: str = ""
) -> AgencyProfile:
    """Replace an agency's opening and contact times; the sheet counts as confirmed."""
    profile = _profile_of(agency)
    profile.opening_exceptions = exceptions
    sessions_changed = profile.pk is None or _sessions_differ(owner_field="profile", owner=profile, sessions=sessions)
    if not (has_changes(profile) or sessions_changed):
        return profile
    profile.confirmed_at = timezone.now()
    profile.confirmed_by = actor
    profile.full_clean()
    _as(profile, actor).save()
    _set_sessions(actor, owner_field="profile", owner=profile, sessions=sessions)
    return profile


@transaction.atomic
def agency_sheet_confirm(*, actor: User, agency: Agency) -> AgencyProfile:
    """Record that the agency's sheet has been checked and is accurate today."""
    profile = _profile_of(agency)
    profile.confirmed_at = timezone.now()
    profile.confirmed_by = actor
    _as(profile, actor).save()
    return profile


# "Confirmed now", unless a caller (an import) knows better when someone last confirmed it.
NOW = object()


@transaction.atomic
def service_create(
    *,
    actor: User | None,
    agency: Agency,
    types=(),
    outcomes=(),
    sessions: list[OpeningSession] = (),
    contacts: list[dict] = (),
    confirmed_at=NOW,
    **fields,
) -> Service:
    """Add a service an agency offers, with its contacts, confirmed as accurate now (or when `confirmed_at` says)."""
    when = timezone.now() if confirmed_at is NOW else confirmed_at
    service = Service(agency=agency, confirmed_at=when, confirmed_by=actor, **fields)
    service.full_clean()
    _as(service, actor).save()
    service.types.set(types)
    service.outcomes.set(outcomes)
    _set_sessions(actor, owner_field="service", owner=service, sessions=list(sessions))
    for position, data in enumerate(contacts, start=1):
        contact = Contact(service=service, position=position, **data)
        contact.full_clean()
        _as(contact, actor).save()
    return service


@transaction.atomic
def service_update(
    *,
    actor: User | None,
    service: Service,
    types=None,
    outcomes=None,
    sessions: list[OpeningSession] | None = None,
    confirmed_at=NOW,
    **fields,
) -> Service:
    """Change a service; saving confirms it as accurate. Types, outcomes and sessions are replaced when given."""
    for name, value in fields.items():
        setattr(service, name, value)
    types_changed = types is not None and m2m_differs(service, "types", types)
    outcomes_changed = outcomes is not None and m2m_differs(service, "outcomes", outcomes)
    sessions_changed = sessions is not None and _sessions_differ(
        owner_field="service", owner=service, sessions=sessions
    )
    if not (has_changes(service) or types_changed or outcomes_changed or sessions_changed):
        return service  # an unchanged save changes nothing, not even the date it was confirmed
    service.confirmed_at = timezone.now() if confirmed_at is NOW else confirmed_at
    service.confirmed_by = actor
    service.full_clean()
    _as(service, actor).save()
    if types_changed:
        service.types.set(types)
    if outcomes_changed:
        service.outcomes.set(outcomes)
    if sessions_changed:
        _set_sessions(actor, owner_field="service", owner=service, sessions=sessions)
    return service


@transaction.atomic
def service_confirm(*, actor: User, service: Service) -> Service:
    """Record that the service's entry has been checked and is accurate today."""
    service.confirmed_at = timezone.now()
    service.confirmed_by = actor
    _as(service, actor).save()
    return service


@transaction.atomic
def practitioner_profile_update(*, actor: User, user: User, user_fields: dict, **fields) -> PractitionerProfile:
    """A practitioner changes their own directory profile and chooses whether it is listed."""
    if any(getattr(user, name) != value for name, value in user_fields.items()):
        agency_services.profile_update(actor=actor, user=user, **user_fields)
    try:
        profile = user.directory_profile
    except PractitionerProfile.DoesNotExist:
        profile = PractitionerProfile(user=user)
    for name, value in fields.items():
        setattr(profile, name, value)
    if not has_changes(profile):
        return profile
    profile.confirmed_at = timezone.now()
    profile.confirmed_by = actor
    profile.full_clean()
    _as(profile, actor).save()
    return profile


@transaction.atomic
def practitioner_profile_confirm(*, actor: User, profile: PractitionerProfile) -> PractitionerProfile:
    """Record that a practitioner has checked their directory profile and it is accurate today."""
    profile.confirmed_at = timezone.now()
    profile.confirmed_by = actor
    _as(profile, actor).save()
    return profile


@transaction.atomic
def directory_create(*, actor: User | None, setting: Agency, title: str = "", introduction: str = "") -> Directory:
    """Start a setting's directory (one per setting)."""
    if setting.kind not in SETTING_KINDS:
        raise ValidationError("Only a school, early years setting or children's centre can publish a directory")
    if Directory.objects.filter(setting=setting).exists():
        raise ValidationError(f"{setting.name} already has a directory")
    slug = base = slugify(setting.name)[:200] or "directory"
    suffix = 2
    while Directory.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    directory = Directory(
        setting=setting, slug=slug, title=title or f"{setting.name} directory", introduction=introduction
    )
    directory.full_clean()
    _as(directory, actor).save()
    return directory


@transaction.atomic
def directory_update(*, actor: User, directory: Directory, title: str, introduction: str) -> Directory:
    """Change the directory's title and introduction (shown from the next publication)."""
    directory.title = title
    directory.introduction = introduction
    directory.full_clean()
    if has_changes(directory):
        _as(directory, actor).save()
    return directory


@transaction.atomic
def section_add(
    *, actor: User | None, directory: Directory, heading: str, position: int | None = None
) -> DirectorySection:
    """Add a group of entries to a directory, last unless a position is given."""
    if position is None:
        position = (directory.sections.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    section = DirectorySection(directory=directory, heading=heading, position=position)
    section.full_clean()
    _as(section, actor).save()
    return section


@transaction.atomic
def entry_add(
    *, actor: User | None, directory: Directory, target, section: DirectorySection | None = None, note: str = ""
) -> DirectoryEntry:
    """Add a listed agency, an active service of a listed agency, or a listed practitioner to a directory."""
    if isinstance(target, Agency):
        kind, fields = DirectoryEntry.Kind.AGENCY, {"agency": target}
        allowed = selectors.listed_agencies().filter(pk=target.pk).exists()
    elif isinstance(target, Service):
        kind, fields = DirectoryEntry.Kind.SERVICE, {"service": target}
        allowed = selectors.listed_services().filter(pk=target.pk).exists()
    else:
        kind, fields = DirectoryEntry.Kind.PRACTITIONER, {"practitioner": target}
        allowed = selectors.listed_practitioners().filter(pk=target.pk).exists()
    if not allowed:
        raise ValidationError(f"{target} is not listed in the directory")
    if section is not None and section.directory_id != directory.pk:
        raise ValidationError("Choose a group of this directory")
    if directory.entries.filter(kind=kind, **fields).exists():
        raise ValidationError(f"{target} is already in the directory")
    last = directory.entries.filter(section=section).order_by("-position").values_list("position", flat=True).first()
    entry = DirectoryEntry(
        directory=directory, kind=kind, section=section, note=note, position=(last or 0) + 1, **fields
    )
    entry.full_clean()
    _as(entry, actor).save()
    return entry


@transaction.atomic
def entry_update(
    *, actor: User, entry: DirectoryEntry, section: DirectorySection | None, position: int, note: str
) -> DirectoryEntry:
    """Move an entry (group and position) and change the setting's note on it."""
    if section is not None and section.directory_id != entry.directory_id:
        raise ValidationError("Choose a group of this directory")
    entry.section, entry.position, entry.note = section, position, note
    entry.full_clean()
    if has_changes(entry):
        _as(entry, actor).save()
    return entry


@transaction.atomic
def entry_remove(*, actor: User, entry: DirectoryEntry) -> None:
    """Take an entry out of the draft; published versions keep it."""
    _as(entry, actor).delete()


@transaction.atomic
def directory_publish(*, actor: User | None, directory: Directory) -> DirectoryVersion:
    """Freeze the draft as the next numbered, dated version; earlier versions are kept unchanged."""
    # Lock the directory so two co-ordinators publishing at once cannot take the same number.
    Directory.objects.select_for_update().get(pk=directory.pk)
    content = snapshot.directory_snapshot(directory)
    if not any(section["entries"] for section in content["sections"]):
        raise ValidationError("Add at least one entry before publishing the directory")
    changes = selectors.directory_changes(directory, content)
    latest = directory.versions.order_by("-number").first()
    version = DirectoryVersion(
        directory=directory,
        number=(latest.number + 1) if latest else 1,
        published_by=actor,
        content=content,
        change_summary="\n".join(change.summary for change in changes) if latest else "First publication",
    )
    version.save()
    return version


# --- Where a service runs ----------------------------------------------------------------------------


def postcode_point(postcode: str) -> tuple[float, float] | None:
    """A postcode's centroid from the loaded postcode dataset, or None if the area has not loaded it."""
    from agencies.models import normalise_postcode

    if not postcode:
        return None
    row = Postcode.objects.filter(postcode=normalise_postcode(postcode)).values_list("latitude", "longitude").first()
    return tuple(row) if row else None


def _place_coordinates(location: Location) -> None:
    # Entered or imported coordinates win; otherwise the postcode's centroid, marked as such.
    if location.latitude is not None and not location.coordinates_from_postcode:
        return
    point = postcode_point(location.postcode) if location.kind == Location.Kind.PHYSICAL else None
    if point:
        location.latitude, location.longitude = point
        location.coordinates_from_postcode = True
    elif location.coordinates_from_postcode:
        location.latitude = location.longitude = None
        location.coordinates_from_postcode = False


LOCATION_FIELDS = (
    "kind",
    "name",
    "description",
    "address_1",
    "city",
    "state_province",
    "postcode",
    "latitude",
    "longitude",
    "accessibility",
)


@transaction.atomic
def service_location_add(
    *,
    actor: User | None,
    service: Service,
    sessions: list[OpeningSession] = (),
    uuid=None,
    link_uuid=None,
    confirm: bool = True,
    **fields,
) -> ServiceLocation:
    """Add a place where the service runs (or at home, or online), with the service's times there."""
    location = Location(**fields)
    if uuid:
        location.uuid = uuid
    if location.kind != Location.Kind.PHYSICAL:
        location.latitude = location.longitude = None
    location.full_clean()
    _place_coordinates(location)
    _as(location, actor).save()
    last = service.service_locations.order_by("-position").values_list("position", flat=True).first()
    link = ServiceLocation(service=service, location=location, position=(last or 0) + 1)
    if link_uuid:
        link.uuid = link_uuid
    link.full_clean()
    _as(link, actor).save()
    _set_sessions(actor, owner_field="service", owner=service, sessions=list(sessions), service_location=link)
    _confirm_service(actor, service, confirm)
    return link


@transaction.atomic
def service_location_update(
    *,
    actor: User | None,
    link: ServiceLocation,
    sessions: list[OpeningSession] | None = None,
    confirm: bool = True,
    **fields,
) -> ServiceLocation:
    """Change one of the service's places or its times there; an unchanged save changes nothing."""
    location = link.location
    for name, value in fields.items():
        setattr(location, name, value)
    if location.kind != Location.Kind.PHYSICAL:
        location.latitude = location.longitude = None
        location.coordinates_from_postcode = False
    if "latitude" in fields and fields["latitude"] is not None:
        location.coordinates_from_postcode = False
    location.full_clean()
    _place_coordinates(location)
    sessions_changed = sessions is not None and _sessions_differ(
        owner_field="service", owner=link.service, sessions=sessions, service_location=link
    )
    if not (has_changes(location) or sessions_changed):
        return link
    if has_changes(location):
        _as(location, actor).save()
    if sessions_changed:
        _set_sessions(actor, owner_field="service", owner=link.service, sessions=sessions, service_location=link)
    _confirm_service(actor, link.service, confirm)
    return link


@transaction.atomic
def service_location_remove(*, actor: User | None, link: ServiceLocation, confirm: bool = True) -> None:
    """Take a place off the service; the place itself goes too unless another service runs there."""
    location, service = link.location, link.service
    _as(link, actor).delete()
    if not location.service_locations.exists():
        _as(location, actor).delete()
    _confirm_service(actor, service, confirm)


def _confirm_service(actor, service: Service, confirm: bool = True) -> None:
    """Where a service runs is part of it: saving a change to its places saves the service (so its
    last_modified moves, for modified_after) and counts as confirming it, except for an import, whose
    places are the publisher's and whose service keeps its publisher's date (confirm=False)."""
    if confirm:
        service.confirmed_at = timezone.now()
        service.confirmed_by = actor
    _as(service, actor).save()


# --- Who to contact, and times beyond one a week ----------------------------------------------------

CONTACT_FIELDS = ("name", "title", "email", "phones")


@transaction.atomic
def service_contact_add(*, actor: User | None, service: Service, uuid=None, confirm: bool = True, **fields) -> Contact:
    """Add someone to contact about the service, last in its list."""
    last = service.contacts.order_by("-position").values_list("position", flat=True).first()
    contact = Contact(service=service, position=(last or 0) + 1, **fields)
    if uuid:
        contact.uuid = uuid
    contact.full_clean()
    _as(contact, actor).save()
    _confirm_service(actor, service, confirm)
    return contact


@transaction.atomic
def service_contact_update(*, actor: User | None, contact: Contact, confirm: bool = True, **fields) -> Contact:
    """Change one of the service's contacts; an unchanged save changes nothing."""
    for name, value in fields.items():
        setattr(contact, name, value)
    if not has_changes(contact):
        return contact
    contact.full_clean()
    _as(contact, actor).save()
    _confirm_service(actor, contact.service, confirm)
    return contact


@transaction.atomic
def service_contact_remove(*, actor: User | None, contact: Contact, confirm: bool = True) -> None:
    """Take a contact off the service (its history keeps it)."""
    service = contact.service
    _as(contact, actor).delete()
    _confirm_service(actor, service, confirm)


@transaction.atomic
def service_contacts_set(*, actor: User | None, service: Service, contacts: list[dict]) -> bool:
    """Make the service's contacts those given (keyed by their `uuid`), in order; True if anything changed.

    For an import: the service keeps its publisher's confirmation date."""
    existing = {str(c.uuid): c for c in service.contacts.all()}
    changed = False
    wanted = set()
    for position, data in enumerate(contacts, start=1):
        data = dict(data)
        key = str(data.pop("uuid"))
        wanted.add(key)
        contact = existing.get(key)
        if contact is None:
            contact = Contact(service=service, uuid=key)
        for name, value in {**data, "position": position}.items():
            setattr(contact, name, value)
        if contact.pk is None or has_changes(contact):
            contact.full_clean()
            _as(contact, actor).save()
            changed = True
    for key, contact in existing.items():
        if key not in wanted:
            _as(contact, actor).delete()
            changed = True
    return changed


def _schedule_row(service: Service, session: OpeningSession, row: OpeningTime | None = None) -> OpeningTime:
    row = row or OpeningTime(service=service)
    for name, value in session.fields().items():
        setattr(row, name, value)
    return row


@transaction.atomic
def service_schedule_add(*, actor: User | None, service: Service, session: OpeningSession) -> OpeningTime:
    """Add a session of the service as a whole (fortnightly, monthly, between dates, or a second one a day)."""
    if _signature(session) in {_signature(r) for r in _session_rows("service", service)}:
        raise ValidationError("The service already has these times")
    row = _schedule_row(service, session)
    row.full_clean()
    _as(row, actor).save()
    _confirm_service(actor, service)
    return row


@transaction.atomic
def service_schedule_update(*, actor: User | None, row: OpeningTime, session: OpeningSession) -> OpeningTime:
    """Change one session of the service; an unchanged save changes nothing."""
    if _signature(row) == _signature(session):
        return row
    _schedule_row(row.service, session, row)
    row.full_clean()
    _as(row, actor).save()
    _confirm_service(actor, row.service)
    return row


@transaction.atomic
def service_schedule_remove(*, actor: User | None, row: OpeningTime) -> None:
    """Take one session off the service."""
    service = row.service
    _as(row, actor).delete()
    _confirm_service(actor, service)


# --- Importing a feed --------------------------------------------------------------------------------


def feed_url_allowed(url: str) -> str | None:
    """Why the server may not fetch this feed address, or None: http(s), and a public address in production."""
    import ipaddress
    import socket
    import urllib.parse

    from django.conf import settings

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter a web address starting with https://"
    if settings.DIRECTORY_IMPORT_ALLOW_PRIVATE_ADDRESSES:
        return None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError:
        return f"{parts.hostname} cannot be found: check the address"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return "The feed must be on a public web address"
    return None


@transaction.atomic
def import_start(*, actor: User, setting: Agency, url: str = "", upload=None) -> ImportRun:
    """Record an import of a feed (a file or an API address) for a setting and queue it once this commits."""
    from .tasks import import_feed

    if bool(url) == bool(upload):
        raise ValidationError("Upload a feed file or give the feed's address, not both")
    if url:
        reason = feed_url_allowed(url)
        if reason:
            raise ValidationError({"url": reason})
    run = ImportRun(setting=setting, started_by=actor, source=url or upload.name[:500], url=url)
    if upload:
        run.file.save(f"feed-{timezone.now():%Y%m%d%H%M%S}.json", upload, save=False)
    run.save()
    import_feed.delay_on_commit(run.pk)
    return run
