"""Records saved a batch at a time (one transaction a batch, one savepoint a record), keyed by the feed's ids."""

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from agencies import services as agency_services
from agencies.models import Agency

from .. import services
from ..models import AgencyProfile, Location, Service, ServiceLocation
from ..openreferral import service_full
from .fields import (
    _contacts,
    _fields_from,
    _find_nul,
    _label,
    _locations,
    _sessions,
    _taxonomy_terms,
)
from .reading import _service_validator, fast_service_check, iter_feed_file, read_feed
from .report import ImportReport

# Records committed together: one transaction per batch, one savepoint per record.
BATCH = 200


@dataclass
class Organisations:
    """Organisations seen in this run, by feed id; and how to fetch one named only by id (an API harvest)."""

    seen: dict = field(default_factory=dict)
    fetch: Callable[[str], dict | None] | None = None


def _organisation(record: dict, report: ImportReport, orgs: Organisations, notes: list) -> Agency:
    org = record.get("organization") if isinstance(record.get("organization"), dict) else None
    org_id = (org or {}).get("id") or record.get("organization_id")
    if not org_id:
        raise ValidationError(
            {"organization_id": "The service names no organisation (organization or organization_id)"}
        )
    org_id = str(org_id)
    if record.get("organization_id") and org and str(record["organization_id"]) != org_id:
        raise ValidationError({"organization_id": "organization_id and organization/id disagree"})
    profile = AgencyProfile.objects.select_related("agency").filter(uuid=org_id).first()
    if profile:
        return profile.agency
    if org is None or not org.get("name"):
        org = orgs.seen.get(org_id) or (orgs.fetch(org_id) if orgs.fetch else None)
    if not org or not org.get("name"):
        raise ValidationError(
            {
                "organization_id": f"organisation {org_id} is not in this feed or this directory, "
                "so the service has no provider"
            }
        )
    orgs.seen[org_id] = org
    name = org["name"].strip()[:200]
    unlisted = Agency.objects.filter(name=name, directory_profile__isnull=True).first()
    if unlisted is not None:
        # An agency here with no directory sheet has no feed id yet: this organisation is that agency.
        profile = AgencyProfile(agency=unlisted, uuid=org_id, profile=(org.get("description") or "")[:3000])
        profile.full_clean()
        profile._history_user = None
        profile.save()
        return unlisted
    if Agency.objects.filter(name=name).exists():
        # Another organisation of the same name (a different id): they stay two.
        name = f"{name[:150]} (organisation {org_id[:8]})"
        notes.append(
            f"organization/name: another organisation is already called {org['name']!r}; this one is kept as {name!r}"
        )
    email = org.get("email") or ""
    website = org.get("website") or ""
    try:
        Agency._meta.get_field("website").run_validators(website) if website else None
    except ValidationError:
        notes.append(f"organization/website: {website!r} not kept")
        website = ""
    agency = agency_services.agency_create(
        actor=None, name=name, kind=Agency.Kind.OTHER, sector=Agency.Sector.VOLUNTARY, email=email, website=website
    )
    report.organisations_created.append(agency.name)
    profile = AgencyProfile(agency=agency, uuid=org_id, profile=(org.get("description") or "")[:3000])
    profile.full_clean()
    profile._history_user = None
    profile.save()
    return agency


def _assured(fields: dict):
    """When someone last confirmed the record: its publisher's assured_date (never the time of the import)."""
    from datetime import datetime
    from datetime import time as clock

    from django.utils import timezone

    day = fields.get("assured_on")
    return timezone.make_aware(datetime.combine(day, clock(12))) if day else None


def _comparable(data: dict) -> dict:
    # Ignore what the product sets itself (modification time; assured_date follows confirmation here).
    return {k: v for k, v in data.items() if k not in ("last_modified",)}


def _full(service_pk: int) -> dict:
    from ..openreferral_selectors import _full_service_prefetches

    service = (
        Service.objects.select_related("agency__directory_profile")
        .prefetch_related(*_full_service_prefetches())
        .get(pk=service_pk)
    )
    return _comparable(service_full(service))


def _set_contacts(service: Service, contacts: list[dict], notes: list) -> None:
    """Make the service's contacts those of the record; a contact id another service already has is re-keyed."""
    from ..models import Contact
    from ..openreferral import derived_id

    taken = set(
        Contact.objects.filter(uuid__in=[c["uuid"] for c in contacts])
        .exclude(service=service)
        .values_list("uuid", flat=True)
    )
    taken = {str(u) for u in taken}
    mine = []
    for index, contact in enumerate(contacts, start=1):
        if contact["uuid"] in taken:
            kept = derived_id(service.uuid, f"contact:{contact['uuid']}")
            notes.append(f"contacts/{index}/id: {contact['uuid']} is another service's contact; kept as {kept}")
            contact = dict(contact, uuid=kept)
        mine.append(contact)
    services.service_contacts_set(actor=None, service=service, contacts=mine)


def _set_places(service: Service, places: list[dict], notes: list) -> None:
    """Make the service's places those of the record, keyed by the feed's location and link ids."""
    links = {str(link.uuid): link for link in service.service_locations.select_related("location")}
    wanted = set()
    for place in places:
        place = dict(place)
        schedules = place.pop("schedules")
        link_uuid = str(place.pop("link_uuid") or uuid.uuid5(uuid.UUID(str(service.uuid)), place["uuid"]))
        location_uuid = place.pop("uuid")
        sessions = _sessions(schedules, notes, where=f" (at {place['name'] or location_uuid})")
        wanted.add(link_uuid)
        link = links.get(link_uuid)
        if link is None:
            existing = Location.objects.filter(uuid=location_uuid).first()
            if existing is not None:
                # A place another service of the feed runs at too: share it.
                if ServiceLocation.objects.filter(uuid=link_uuid).exclude(service=service).exists():
                    raise ValidationError({"service_at_locations": f"{link_uuid} belongs to another service"})
                link = ServiceLocation.objects.create(uuid=link_uuid, service=service, location=existing)
                services.service_location_update(actor=None, link=link, sessions=sessions, confirm=False, **place)
            else:
                services.service_location_add(
                    actor=None,
                    service=service,
                    sessions=sessions,
                    uuid=location_uuid,
                    link_uuid=link_uuid,
                    confirm=False,
                    **place,
                )
        else:
            services.service_location_update(actor=None, link=link, sessions=sessions, confirm=False, **place)
    for link_uuid, link in links.items():
        if link_uuid not in wanted:
            services.service_location_remove(actor=None, link=link, confirm=False)


def import_record(record: dict, report: ImportReport, label: str, orgs: Organisations | None = None) -> None:
    orgs = orgs or Organisations()
    notes: list[str] = []
    with transaction.atomic():
        agency = _organisation(record, report, orgs, notes)
        fields = _fields_from(record, notes)
        types, outcome_terms, others = _taxonomy_terms(record, report, notes)
        places = _locations(record, notes)
        contacts = _contacts(record, notes)
        linked = {p["link_uuid"] for p in places}
        own_schedules = [
            s
            for s in record.get("schedules") or []
            if s.get("service_at_location_id") not in linked or not s.get("service_at_location_id")
        ]
        sessions = _sessions(own_schedules, notes)
        existing = Service.objects.filter(uuid=record["id"]).first()
        if existing is not None and existing.agency_id != agency.pk:
            raise ValidationError({"id": "The service's identifier belongs to a service of another organisation"})
        if existing is None:
            service = services.service_create(
                actor=None,
                confirmed_at=_assured(fields),
                agency=agency,
                types=types,
                outcomes=outcome_terms,
                sessions=sessions,
                uuid=record["id"],
                **fields,
            )
            service.other_terms.set(others)
            _set_contacts(service, contacts, notes)
            _set_places(service, places, notes)
            report.add(label, "created", notes)
            return
        before = _full(existing.pk)
        services.service_update(
            actor=None,
            confirmed_at=_assured(fields),
            service=existing,
            types=types,
            outcomes=outcome_terms,
            sessions=sessions,
            **fields,
        )
        if set(existing.other_terms.values_list("pk", flat=True)) != {t.pk for t in others}:
            existing.other_terms.set(others)
        _set_contacts(existing, contacts, notes)
        _set_places(existing, places, notes)
        after = _full(existing.pk)
        if before == after:
            # Nothing changed: undo the confirmation time the update set, so a re-import leaves no trace.
            transaction.set_rollback(True)
            report.add(label, "unchanged", notes)
        else:
            report.add(label, "updated", notes)


def fingerprint(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _stamp(digest: str, updated_at) -> str:
    return f"{digest}@{updated_at.isoformat()}"


def _remember(digests: dict) -> None:
    """Record each imported service's feed digest with its updated_at as it now stands (no save: no history)."""
    if not digests:
        return
    rows = list(Service.objects.filter(uuid__in=list(digests)).only("pk", "uuid", "updated_at"))
    for row in rows:
        row.feed_fingerprint = _stamp(digests[str(row.uuid)], row.updated_at)
    Service.objects.bulk_update(rows, ["feed_fingerprint"], batch_size=500)


def _reason(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(f"{name}: {'; '.join(m)}" for name, m in error.message_dict.items())
    return " ".join(error.messages)


class Importer:
    """Imports records a batch at a time, keeping one report: new records by the bulk path, the rest one by one."""

    def __init__(self, report: ImportReport | None = None, orgs: Organisations | None = None, seen_ids=None):
        self.validator = _service_validator()
        self.quick_check = fast_service_check()
        self.report = report or ImportReport()
        self.orgs = orgs or Organisations()
        self.seen_ids: dict[str, int] = dict(seen_ids or {})
        self.index = len(self.report.records)
        self.terms: dict = {}
        self.agencies: dict = {}

    def agency_for(self, record: dict, notes: list, find) -> Agency:
        org = record.get("organization") if isinstance(record.get("organization"), dict) else {}
        key = str(org.get("id") or record.get("organization_id") or "")
        if (
            key
            and key in self.agencies
            and not (
                record.get("organization_id") and org.get("id") and str(record["organization_id"]) != str(org["id"])
            )
        ):
            return self.agencies[key]
        agency = find(record, self.report, self.orgs, notes)
        if key:
            self.agencies[key] = agency
        return agency

    def _check(self, record):
        """The record's label if it may be imported; otherwise it is reported rejected and None is returned."""
        self.index += 1
        label = _label(self.index, record)
        if not isinstance(record, dict):
            self.report.add(label, "rejected", reason="not a service object")
            return None
        nul = _find_nul(record)
        if nul:
            self.report.add(label, "rejected", reason=f"{nul}: contains a NUL character")
            return None
        errors = []
        if self.quick_check is None or not self.quick_check(record):
            errors = sorted(self.validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.absolute_path) or "the record"
            self.report.add(label, "rejected", reason=f"{where}: {first.message}")
            return None
        key = str(record["id"]).lower()
        if key in self.seen_ids:
            self.report.add(label, "rejected", reason=f"id: the same id as record {self.seen_ids[key]}; not merged")
            return None
        self.seen_ids[key] = self.index
        if isinstance(record.get("organization"), dict) and record["organization"].get("id"):
            self.orgs.seen.setdefault(str(record["organization"]["id"]), record["organization"])
        return label

    def _one(self, label: str, record: dict) -> None:
        try:
            with transaction.atomic():
                import_record(record, self.report, label, self.orgs)
        except ValidationError as error:
            self.report.add(label, "rejected", reason=_reason(error))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            self.report.add(label, "rejected", reason=f"malformed value ({error})")

    def one(self, record) -> None:
        label = self._check(record)
        if label:
            self._one(label, record)

    def many(self, records, progress: Callable[[int], None] | None = None) -> None:
        batch = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                self._commit(batch, progress)
        if batch:
            self._commit(batch, progress)

    def _commit(self, batch: list, progress) -> None:
        from .bulk import create_new

        start = len(self.report.records)
        with transaction.atomic():
            items = [(label, record) for record in batch if (label := self._check(record))]
            digests = {str(uuid.UUID(str(r["id"]))): fingerprint(r) for _, r in items}
            existing = {
                str(u): (stamp, updated_at)
                for u, stamp, updated_at in Service.objects.filter(uuid__in=list(digests)).values_list(
                    "uuid", "feed_fingerprint", "updated_at"
                )
            }
            new = [(label, r) for label, r in items if str(uuid.UUID(str(r["id"]))) not in existing]
            left = create_new(self, new) if new else []
            again = {label for label, _ in left}
            for label, record in items:
                key = str(uuid.UUID(str(record["id"])))
                if key in existing:
                    stamp, updated_at = existing[key]
                    if stamp == _stamp(digests[key], updated_at):
                        # The same record as last time, over a service nobody has changed since.
                        self.report.add(label, "unchanged")
                        continue
                    self._one(label, record)
                elif label in again:
                    self._one(label, record)
            done = {r["label"] for r in self.report.records[start:] if r["outcome"] != "rejected"}
            keys = [str(uuid.UUID(str(r["id"]))) for _, r in items]
            _remember({key: digests[key] for (label, _), key in zip(items, keys, strict=True) if label in done})
        self.report.in_feed_order(start)
        batch.clear()
        if progress:
            progress(self.index)


def import_feed(text: str) -> ImportReport:
    """Import every valid record of a feed held in memory; FeedError if it is not a feed."""
    importer = Importer()
    importer.many(read_feed(text))
    return importer.report


def import_file(path, progress=None, skip: int = 0, importer: Importer | None = None) -> ImportReport:
    """Import a feed file, streamed; `skip` records already done by an earlier part of the same run."""
    importer = importer or Importer()
    records = iter_feed_file(path)
    for _ in range(skip):
        next(records, None)
    importer.many(records, progress)
    return importer.report
