"""The import's fast path for records new to the directory: a batch of them created in a few statements.

A feed's first import is almost all new records, and creating each one through the services (a save, a
history row, each many-to-many set, each place and session, one at a time) runs tens of statements per
service: 18,000 services took twenty minutes. Here every record of a batch is checked in Python first
(the same model validation, without a query), then the batch's services, places, links, sessions and
terms are inserted with bulk_create and **their history rows written with them** (django-simple-history's
`bulk_create_with_history`, and the many-to-many history rows beside it), as the house style asks of any
bulk write to audited models. A batch the database refuses after all is handed back whole to the
one-at-a-time path, so a record still fails alone.
"""

import uuid
from contextlib import nullcontext

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from agencies.models import normalise_postcode

from ..models import Contact, Location, OpeningTime, Postcode, Service, ServiceLocation

REASON = "Imported from an Open Referral UK feed"


def _m2m_history(service_pks: dict, rows: list, field: str) -> None:
    """Write the many-to-many history rows of the services' creation records (as a save with them would)."""
    history_model = Service.history.model
    m2m_model = getattr(history_model, field).model
    first = dict(
        history_model.objects.filter(id__in=list(service_pks.values()), history_type="+")
        .order_by("id", "history_id")
        .values_list("id", "history_id")
        .distinct("id")
    )
    m2m_model.objects.bulk_create(
        [
            m2m_model(
                id=row.pk,
                service_id=row.service_id,
                taxonomyterm_id=row.taxonomyterm_id,
                history_id=first[row.service_id],
            )
            for row in rows
            if row.service_id in first
        ]
    )


def _all_known(importer, record: dict) -> bool:
    """Whether the record's organisation and every taxonomy term it names are already in the run's caches."""
    org = record.get("organization") if isinstance(record.get("organization"), dict) else {}
    key = str(org.get("id") or record.get("organization_id") or "")
    if not key or key not in importer.agencies:
        return False
    if record.get("organization_id") and org.get("id") and str(record["organization_id"]) != str(org["id"]):
        return False
    for attribute in record.get("attributes") or []:
        term_id = attribute.get("taxonomy_term_id") or (attribute.get("taxonomy_term") or {}).get("id")
        if term_id and str(term_id).lower() not in importer.terms:
            return False
    return True


def create_new(importer, items: list) -> list:
    """Create every record of `items` ((label, record) pairs, all new here); return those left to do one by one."""
    from .fields import _contacts, _fields_from, _locations, _sessions, _taxonomy_terms
    from .importer import _assured, _organisation

    prepared = []
    slow = []
    for label, record in items:
        notes: list[str] = []
        try:
            # Organisations and unknown terms are few: made (or found) one at a time, in a savepoint, and
            # remembered; a record whose organisation and terms are already known writes nothing here, so
            # needs no savepoint (two statements a record saved).
            with nullcontext() if _all_known(importer, record) else transaction.atomic():
                agency = importer.agency_for(record, notes, _organisation)
                fields = _fields_from(record, notes)
                types, outcomes, others = _taxonomy_terms(record, importer.report, notes, cache=importer.terms)
            places = _locations(record, notes)
            linked = {p["link_uuid"] for p in places}
            own = [
                s
                for s in record.get("schedules") or []
                if not s.get("service_at_location_id") or s.get("service_at_location_id") not in linked
            ]
            service = Service(agency=agency, uuid=record["id"], confirmed_at=_assured(fields), **fields)
            # The agency was just found or made: checking that it exists would cost a query a record.
            service.full_clean(exclude=["agency"], validate_unique=False, validate_constraints=False)
            sessions = _sessions(own, notes)
            contacts = []
            for position, data in enumerate(_contacts(record, notes), start=1):
                data = dict(data)
                contact = Contact(uuid=data.pop("uuid"), position=position, **data)
                contact.full_clean(exclude=["service"], validate_unique=False, validate_constraints=False)
                contacts.append(contact)
            built_places = []
            for place in places:
                place = dict(place)
                schedules = place.pop("schedules")
                link_uuid = place.pop("link_uuid") or str(uuid.uuid5(uuid.UUID(str(service.uuid)), place["uuid"]))
                location = Location(**{k: v for k, v in place.items() if k != "uuid"}, uuid=place["uuid"])
                if location.kind != Location.Kind.PHYSICAL:
                    location.latitude = location.longitude = None
                location.full_clean(validate_unique=False, validate_constraints=False)
                at = _sessions(schedules, notes, where=f" (at {place['name'] or place['uuid']})")
                built_places.append((location, link_uuid, at))
        except ValidationError:
            slow.append((label, record))  # the one-at-a-time path gives the reason
            continue
        prepared.append((label, record, notes, service, types, outcomes, others, sessions, built_places, contacts))
    if not prepared:
        return slow
    location_ids = [str(loc.uuid) for p in prepared for loc, _, _ in p[8]]
    link_ids = [link for p in prepared for _, link, _ in p[8]]
    contact_ids = [str(c.uuid) for p in prepared for c in p[9]]
    if (
        len(set(location_ids)) != len(location_ids)
        or len(set(contact_ids)) != len(contact_ids)
        or Location.objects.filter(uuid__in=location_ids).exists()
        or ServiceLocation.objects.filter(uuid__in=link_ids).exists()
        or (contact_ids and Contact.objects.filter(uuid__in=contact_ids).exists())
    ):
        # Places shared between services, or already here: the careful path links them.
        return slow + [(label, record) for label, record, *_ in prepared]
    _fill_coordinates([loc for p in prepared for loc, _, _ in p[8]])
    try:
        with transaction.atomic():
            _insert(prepared)
    except IntegrityError:
        return slow + [(label, record) for label, record, *_ in prepared]
    for label, _, notes, *_ in prepared:
        importer.report.add(label, "created", notes)
    return slow


def _fill_coordinates(locations: list) -> None:
    wanted = {normalise_postcode(loc.postcode) for loc in locations if loc.latitude is None and loc.postcode}
    if not wanted:
        return
    points = {
        p: (lat, lon)
        for p, lat, lon in Postcode.objects.filter(postcode__in=wanted).values_list("postcode", "latitude", "longitude")
    }
    for location in locations:
        if location.latitude is None and location.kind == Location.Kind.PHYSICAL and location.postcode in points:
            location.latitude, location.longitude = points[location.postcode]
            location.coordinates_from_postcode = True


def _insert(prepared: list) -> None:
    now = timezone.now()
    services = bulk_create_with_history(
        [p[3] for p in prepared], Service, default_change_reason=REASON, default_date=now
    )
    by_uuid = {str(s.uuid): s.pk for s in services}
    if None in by_uuid.values():  # a backend that does not return primary keys from bulk inserts
        by_uuid = dict(Service.objects.filter(uuid__in=list(by_uuid)).values_list("uuid", "pk"))
        by_uuid = {str(k): v for k, v in by_uuid.items()}
    service_pks = {str(p[3].uuid): by_uuid[str(p[3].uuid)] for p in prepared}
    for p in prepared:
        p[3].pk = service_pks[str(p[3].uuid)]
    for position, field in ((4, "types"), (5, "outcomes"), (6, "other_terms")):
        through = getattr(Service, field).through
        rows = through.objects.bulk_create(
            [through(service_id=p[3].pk, taxonomyterm_id=term.pk) for p in prepared for term in p[position]]
        )
        _m2m_history(service_pks, rows, field)
    locations = bulk_create_with_history(
        [loc for p in prepared for loc, _, _ in p[8]], Location, default_change_reason=REASON, default_date=now
    )
    location_pks = {str(loc.uuid): loc.pk for loc in locations}
    if None in location_pks.values():
        location_pks = {
            str(k): v for k, v in Location.objects.filter(uuid__in=list(location_pks)).values_list("uuid", "pk")
        }
    links = []
    for p in prepared:
        for position, (location, link_uuid, _) in enumerate(p[8], start=1):
            links.append(
                ServiceLocation(
                    uuid=link_uuid, service_id=p[3].pk, location_id=location_pks[str(location.uuid)], position=position
                )
            )
    links = bulk_create_with_history(links, ServiceLocation, default_change_reason=REASON, default_date=now)
    link_pks = {str(link.uuid): link.pk for link in links}
    if None in link_pks.values():
        link_pks = {
            str(k): v for k, v in ServiceLocation.objects.filter(uuid__in=list(link_pks)).values_list("uuid", "pk")
        }
    rows = []
    for p in prepared:
        for session in dict.fromkeys(p[7]):
            rows.append(OpeningTime(service_id=p[3].pk, service_location_id=None, **session.fields()))
        for _, link_uuid, sessions in p[8]:
            for session in dict.fromkeys(sessions):
                rows.append(
                    OpeningTime(service_id=p[3].pk, service_location_id=link_pks[str(link_uuid)], **session.fields())
                )
    bulk_create_with_history(rows, OpeningTime, default_change_reason=REASON, default_date=now)
    contacts = []
    for p in prepared:
        for contact in p[9]:
            contact.service_id = p[3].pk
            contacts.append(contact)
    if contacts:
        bulk_create_with_history(contacts, Contact, default_change_reason=REASON, default_date=now)
