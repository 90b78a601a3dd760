"""Loading Open Referral UK feeds: a file, or every page of a publisher's API, honestly.

Shapes accepted: a JSON list of services; a page object (`contents`, as `/services` serves it, streamed
item by item so a 50 MB feed is never held whole); a single fully nested service (`service_full`); an
organisation with its `services` (`organization_full`); and a service at a location with its `service`.
Services that name their organisation only by `organization_id` are matched with an organisation seen
earlier in the feed, one already here, or (harvesting an API) the publisher's `/organizations/{id}`.

Each record is validated against the pinned compiled service schema and imported in its own savepoint,
so a bad record (a NUL character, a wrong type, a duplicate id) is rejected alone with the field and
why, and the run carries on. Records are keyed by the feed's identifiers: importing the same feed twice
changes nothing the second time, and two organisations of the same name with different ids stay two.
The report says, per record, what was created, updated, unchanged or rejected, and every field kept
only partly.
"""

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path

import ijson
from django.core.exceptions import ValidationError
from django.db import transaction
from jsonschema import Draft202012Validator, FormatChecker

from agencies import services as agency_services
from agencies.models import Agency

from . import services
from .models import ICAL_DAYS, MAX_AGE, AgencyProfile, Location, Service, ServiceLocation, Taxonomy, TaxonomyTerm
from .openreferral import service_full

# A copy of the pinned ../shared/oruk-uk-profile/schema/compiled/service.json, so the command does not
# depend on a folder outside the project when deployed (a test checks the copy is identical).
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
DAYS_BY_CODE = {code: day for day, code in ICAL_DAYS.items()}
# Records committed together: one transaction per batch, one savepoint per record.
BATCH = 200


class FeedError(Exception):
    """The file as a whole cannot be read as a feed: nothing is written."""


@dataclass
class ImportReport:
    records: list[dict] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)
    terms_created: list[str] = field(default_factory=list)

    def add(self, label: str, outcome: str, notes=(), reason: str = "") -> None:
        self.records.append({"label": label, "outcome": outcome, "notes": list(notes), "reason": reason})

    def in_feed_order(self, start: int) -> None:
        """Put the records reported since `start` back in the feed's order (the fast path reports first)."""

        def number(row):
            found = re.match(r"record (\d+)", row["label"])
            return int(found[1]) if found else 0

        self.records[start:] = sorted(self.records[start:], key=number)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.records if r["outcome"] == outcome)

    @property
    def partly(self) -> list[dict]:
        return [r for r in self.records if r["notes"]]

    # The lists the command and the older callers print.
    def _labels(self, outcome):
        return [
            r["label"] + (f": {r['reason']}" if r["reason"] else "") for r in self.records if r["outcome"] == outcome
        ]

    @property
    def created(self):
        return self._labels("created")

    @property
    def updated(self):
        return self._labels("updated")

    @property
    def unchanged(self):
        return self._labels("unchanged")

    @property
    def rejected(self):
        return self._labels("rejected")

    def summary(self) -> str:
        return (
            f"{self.count('created')} created, {self.count('updated')} updated, "
            f"{self.count('unchanged')} unchanged, {self.count('rejected')} rejected; "
            f"{len(self.partly)} kept only partly"
        )

    def as_data(self) -> dict:
        return {
            "counts": {o: self.count(o) for o in ("created", "updated", "unchanged", "rejected")}
            | {"partly": len(self.partly)},
            "records": self.records,
            "organisations_created": self.organisations_created,
            "terms_created": self.terms_created,
        }

    @classmethod
    def from_data(cls, data: dict) -> "ImportReport":
        return cls(
            records=list(data.get("records", [])),
            organisations_created=list(data.get("organisations_created", [])),
            terms_created=list(data.get("terms_created", [])),
        )


def _service_validator():
    schema = json.loads((SCHEMA_DIR / "service.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


# --- Reading the shapes ---------------------------------------------------------------------------------


def _services_of_object(data: dict) -> list:
    """The services in one object: a page, a service, an organisation with services, a service at a location."""
    if isinstance(data.get("contents"), list):
        return data["contents"]
    if isinstance(data.get("services"), list):
        # organization_full: its services carry the organisation only by id, so give it to each of them.
        org = {k: v for k, v in data.items() if k != "services"}
        if "name" in org and "id" in org:
            return [
                dict(s, organization=s.get("organization") or org) if isinstance(s, dict) else s
                for s in data["services"]
            ]
        return data["services"]
    if isinstance(data.get("service"), dict) and isinstance(data.get("location"), dict):
        # service_at_location_full: the service, with this location as one of its own.
        service = dict(data["service"])
        link = {k: v for k, v in data.items() if k in ("id", "service_id", "location_id", "location")}
        service["service_at_locations"] = [*(service.get("service_at_locations") or []), link]
        return [service]
    if "id" in data and "name" in data and "status" in data:
        return [data]
    raise FeedError(
        "The file is not an Open Referral UK feed: expected a list of services, a page with them in "
        '"contents", a service, or an organisation with its "services"'
    )


def read_feed(text: str) -> list:
    """The records of a feed held in memory (a small file, or one page of an API)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FeedError(f"The file is not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    records = data if isinstance(data, list) else _services_of_object(data) if isinstance(data, dict) else None
    if records is None:
        raise FeedError("The file is not an Open Referral UK feed: it is neither a list nor an object")
    _check_looks_like_services(records)
    return records


def _check_looks_like_services(records: list) -> None:
    if records and not any(isinstance(item, dict) and "name" in item and "id" in item for item in records[:50]):
        raise FeedError(
            "The file is not an Open Referral UK feed: none of its records is a service with an id and a name"
        )


def iter_feed_file(path) -> Iterator:
    """The records of a feed file, streamed: a top-level list or a page's `contents` is read item by item."""
    with open(path, "rb") as handle:
        head = handle.read(4096).lstrip()
    if not head:
        raise FeedError("The file is empty")
    first = head[:1]
    if first == b"[":
        yield from _stream(path, "item")
        return
    if first != b"{":
        raise FeedError("The file is not JSON: it does not start with [ or {")
    if re.search(rb'"contents"\s*:', head) or _has_top_level_contents(path):
        yield from _stream(path, "contents.item")
        return
    yield from read_feed(Path(path).read_text(encoding="utf-8"))


def _has_top_level_contents(path) -> bool:
    try:
        with open(path, "rb") as handle:
            for prefix, event, value in ijson.parse(handle):
                if prefix == "" and event == "map_key" and value == "contents":
                    return True
                if prefix == "" and event == "end_map":
                    return False
    except ijson.JSONError as error:
        raise FeedError(f"The file is not JSON: {error}") from None
    return False


def _stream(path, prefix: str) -> Iterator:
    checked = []
    try:
        with open(path, "rb") as handle:
            for record in ijson.items(handle, prefix, use_float=True):
                if len(checked) < 50:
                    checked.append(record)
                    if len(checked) == 50:
                        _check_looks_like_services(checked)
                yield record
    except ijson.JSONError as error:
        raise FeedError(f"The file is not JSON (or is cut short): {error}") from None
    if len(checked) < 50:
        _check_looks_like_services(checked)


# --- One record -----------------------------------------------------------------------------------------


def _label(index: int, record) -> str:
    if isinstance(record, dict):
        name = record.get("name") if isinstance(record.get("name"), str) else None
        return f"record {index} ({name or record.get('id') or 'no name'})"
    return f"record {index}"


def _find_nul(value, path="") -> str | None:
    if isinstance(value, str):
        return path or "the record" if "\x00" in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _find_nul(item, f"{path}/{key}" if path else str(key))
        if found:
            return found
    return None


def _time(value: str) -> time:
    match = re.fullmatch(
        r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::[0-5][0-9](?:\.[0-9]+)?)?(Z|[+-][0-9:]+)?", value.strip()
    )
    if not match:
        raise ValueError(f"{value!r} is not a time")
    return time(int(match[1]), int(match[2]))


def _age(value, name: str, notes: list) -> int | None:
    if value is None:
        return None
    number = float(value)
    if number < 0:
        raise ValidationError({name: "Ages must not be negative"})
    if number != int(number):
        notes.append(f"{name}: {value} kept as {int(number)} (whole years)")
    if number > MAX_AGE:
        notes.append(f"{name}: {value} kept as no upper limit" if name == "maximum_age" else f"{name}: {value}")
        if name == "maximum_age":
            return None
        raise ValidationError({name: f"A minimum age of {value} is not a person's age"})
    return int(number)


SCHEDULE_DROPPED = ("schedule_link", "attending_type", "until", "count", "wkst", "byweekno", "byyearday", "timezone")


def _schedule_date(item: dict, name: str, label: str, notes: list):
    value = item.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        notes.append(f"{label}/{name}: {value!r} is not a date; not kept")
        return None


def _sessions(schedules: list, notes: list, where: str = "") -> list:
    """The feed's schedules as sessions: weekly (every `interval` weeks) on days of the week, or monthly on
    the nth day of the week (2MO, -1FR) or on days of the month (bymonthday), with their dates and text."""
    from .models import OpeningTime

    sessions = []
    for index, item in enumerate(schedules, start=1):
        label = f"schedules/{index}{where}"
        freq = (item.get("freq") or "WEEKLY").upper()
        byday, bymonthday = item.get("byday"), item.get("bymonthday")
        if not ((byday or bymonthday) and item.get("opens_at") and item.get("closes_at")):
            text = item.get("description") or item.get("notes") or ""
            notes.append(
                f"{label}: no day and times to keep" + (f" (its text “{text[:80]}” is in the notes)" if text else "")
            )
            continue
        if freq not in ("WEEKLY", "MONTHLY"):
            notes.append(f"{label}: freq {freq} is not kept (only WEEKLY or MONTHLY)")
            continue
        raw_interval = item.get("interval")
        interval = 1 if raw_interval in (None, "") else float(raw_interval)
        if interval != int(interval) or not 1 <= interval <= 52:
            notes.append(f"{label}: an interval of {raw_interval} is not kept (a whole number from 1 to 52)")
            continue
        interval = int(interval)
        try:
            opens, closes = _time(item["opens_at"]), _time(item["closes_at"])
        except ValueError as error:
            notes.append(f"{label}: {error}; not kept")
            continue
        if closes <= opens:
            notes.append(f"{label}: closes at or before it opens ({item['opens_at']} to {item['closes_at']}); not kept")
            continue
        dates = {
            "starts_on": _schedule_date(item, "dtstart", label, notes),
            "valid_from": _schedule_date(item, "valid_from", label, notes),
            "valid_to": _schedule_date(item, "valid_to", label, notes),
        }
        if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
            notes.append(f"{label}: valid_to is before valid_from; not kept")
            continue
        common = dict(opens_at=opens, closes_at=closes, interval=interval, **dates)
        found = []
        if bymonthday:
            if freq != "MONTHLY" or byday:
                notes.append(f"{label}: bymonthday is kept only with freq MONTHLY and no byday; not kept")
                continue
            for part in str(bymonthday).split(","):
                part = part.strip()
                if not re.fullmatch(r"[+-]?[0-9]{1,2}", part) or not (1 <= abs(int(part)) <= 31):
                    notes.append(f"{label}: day of the month {part!r} is not kept (1 to 31, or -1 to -31)")
                    continue
                found.append(services.Session(day=None, day_of_month=int(part), **common))
        else:
            for code in str(byday).split(","):
                code = code.strip().upper()
                match = re.fullmatch(r"([+-]?[0-9])?(MO|TU|WE|TH|FR|SA|SU)", code)
                if not match:
                    notes.append(f"{label}: unknown day {code!r}; not kept")
                    continue
                week = int(match[1]) if match[1] else None
                if freq == "WEEKLY" and week:
                    notes.append(f"{label}: {code} with freq WEEKLY is kept as every {match[2]}")
                    week = None
                if freq == "MONTHLY" and week is None:
                    notes.append(f"{label}: MONTHLY on every {code} is kept as weekly")
                if week is not None and week not in (1, 2, 3, 4, -1):
                    notes.append(f"{label}: {code} is not kept (first to fourth, or last, week only)")
                    continue
                found.append(services.Session(day=DAYS_BY_CODE[match[2]], week_of_month=week, **common))
        text = (item.get("description") or "").strip()
        if len(text) > 500:
            notes.append(f"{label}/description: cut to 500 characters")
            text = text[:500]
        for session in found:
            # A description that only says what the fields say (as our own feed sends) is not kept twice.
            written = str(OpeningTime(**session.fields()))
            sessions.append(replace(session, description="" if text == written else text))
        for dropped in SCHEDULE_DROPPED:
            if item.get(dropped):
                notes.append(f"{label}/{dropped}: not kept")
    return sessions


def _contacts(record: dict, notes: list) -> list[dict]:
    """The record's contacts with their telephone numbers, keyed by the feed's contact ids."""
    from django.core.validators import validate_email

    from agencies.models import UK_PHONE

    from .openreferral import derived_id

    contacts, seen = [], set()
    for index, item in enumerate(record.get("contacts") or [], start=1):
        label = f"contacts/{index}"
        key = str(item.get("id") or "")
        try:
            key = str(uuid.UUID(key))
        except ValueError:
            kept = derived_id(record["id"], f"contact:{key or index}")
            notes.append(f"{label}/id: {key!r} is not a UUID; kept as {kept}")
            key = kept
        if key in seen:
            notes.append(f"{label}: the same id as an earlier contact; not kept")
            continue
        phones = []
        for number_index, phone in enumerate(item.get("phones") or [], start=1):
            number = str(phone.get("number") or "").strip()
            if not number:
                continue
            try:
                UK_PHONE(number)
            except ValidationError:
                notes.append(f"{label}/phones/{number_index}: {number!r} is not a UK telephone number; not kept")
                continue
            phones.append(number)
            for dropped in ("extension", "type", "description", "languages"):
                if phone.get(dropped):
                    notes.append(f"{label}/phones/{number_index}/{dropped}: not kept")
        email = str(item.get("email") or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                notes.append(f"{label}/email: {email!r} is not an email address; not kept")
                email = ""
        fields = {"name": str(item.get("name") or ""), "title": str(item.get("title") or "")}
        for name in ("name", "title"):
            if len(fields[name]) > 150:
                notes.append(f"{label}/{name}: cut to 150 characters")
                fields[name] = fields[name][:150]
        if not (fields["name"] or fields["title"] or email or phones):
            notes.append(f"{label}: no name, role, email or telephone number to keep")
            continue
        seen.add(key)
        contacts.append({"uuid": key, **fields, "email": email, "phones": "\n".join(phones)[:500]})
    return contacts


def _taxonomy_terms(record: dict, report: ImportReport, notes: list, cache: dict | None = None) -> tuple:
    attributes = record.get("attributes") or []
    wanted = {}
    for index, attribute in enumerate(attributes, start=1):
        term = attribute.get("taxonomy_term") or {}
        term_id = attribute.get("taxonomy_term_id") or term.get("id")
        if term_id:
            wanted[str(term_id).lower()] = (index, term)
    cache = {} if cache is None else cache
    missing = [t for t in wanted if t not in cache]
    if missing:
        for term in TaxonomyTerm.objects.select_related("taxonomy").filter(uuid__in=missing):
            cache[str(term.uuid)] = term
    found = {t: cache[t] for t in wanted if t in cache}
    for term_id, (index, term) in wanted.items():
        if term_id in found:
            continue
        created = _create_term(term_id, term, report)
        if created is not None:
            cache[term_id] = created
        if created is None:
            notes.append(
                f"attributes/{index}: taxonomy term {term_id} is unknown here and the feed does not say "
                "which vocabulary it belongs to; not kept"
            )
        else:
            found[term_id] = created
    terms = list(found.values())
    types = [t for t in terms if t.taxonomy.code == Taxonomy.Code.SERVICE_TYPES]
    outcomes = [t for t in terms if t.taxonomy.code == Taxonomy.Code.OUTCOMES]
    others = [t for t in terms if t.taxonomy.code not in (Taxonomy.Code.SERVICE_TYPES, Taxonomy.Code.OUTCOMES)]
    return types, outcomes, others


def _create_term(term_id: str, term: dict, report: ImportReport) -> TaxonomyTerm | None:
    taxonomy_id = term.get("taxonomy_id")
    taxonomy_detail = term.get("taxonomy_detail") if isinstance(term.get("taxonomy_detail"), dict) else {}
    name = term.get("name") or term.get("term")
    if not (taxonomy_id and name):
        return None
    try:
        taxonomy_key = uuid.UUID(str(taxonomy_id))
    except ValueError:
        return None
    vocabulary = Taxonomy.objects.filter(uuid=taxonomy_key).first()
    if vocabulary is None:
        vocabulary_name = str(term.get("taxonomy") or taxonomy_detail.get("name") or f"Vocabulary {taxonomy_key}")
        vocabulary = Taxonomy.objects.create(
            uuid=taxonomy_key,
            code=f"imported-{taxonomy_key}",
            name=vocabulary_name[:200],
            description=str(taxonomy_detail.get("description") or "")[:2000],
        )
        report.terms_created.append(f"Vocabulary “{vocabulary.name}”")
    code = (str(term.get("code") or "") or re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-"))[:60] or "term"
    if TaxonomyTerm.objects.filter(taxonomy=vocabulary, code=code).exists():
        code = str(uuid.UUID(term_id))[:60]
    created = TaxonomyTerm.objects.create(
        uuid=uuid.UUID(term_id),
        taxonomy=vocabulary,
        code=code,
        name=str(name)[:200],
        description=str(term.get("description") or ""),
    )
    report.terms_created.append(f"Term “{created.name}” of “{vocabulary.name}”")
    return created


def _fields_from(record: dict, notes: list) -> dict:
    cost_options = record.get("cost_options") or []
    costs = []
    for option in cost_options:
        text = option.get("amount_description") or ""
        if option.get("amount") is not None:
            amount = f"£{float(option['amount']):.2f}" + (f" ({option['option']})" if option.get("option") else "")
            text = f"{text} ({amount})" if text and amount not in text else text or amount
        if text:
            costs.append(text)
    cost = "; ".join(dict.fromkeys([*([record["fees"]] if record.get("fees") else []), *costs]))
    if len(cost) > 200:
        notes.append("fees and cost_options: cut to 200 characters")
        cost = cost[:200]
    languages = [lang.get("name") for lang in record.get("languages") or [] if lang.get("name")]
    nameless = sum(1 for lang in record.get("languages") or [] if not lang.get("name"))
    if nameless:
        notes.append(f"languages: {nameless} without a name not kept")
    areas = [a.get("name") or a.get("description") or a.get("extent") or "" for a in record.get("service_areas") or []]
    funding = [f.get("source") or "" for f in record.get("funding") or []]
    fields = {
        "name": record["name"].strip()[:200],
        "description": record.get("description") or "",
        "status": record.get("status", Service.Status.ACTIVE),
        "eligibility": record.get("eligibility_description") or "",
        "how_to_access": record.get("application_process") or "",
        "cost": cost,
        "languages": ", ".join(dict.fromkeys(languages))[:300],
        "url": record.get("url") or "",
        "contact_email": record.get("email") or "",
        "schedule_notes": (next((s.get("notes") for s in record.get("schedules") or [] if s.get("notes")), "") or "")[
            :300
        ],
        "alert": (record.get("alert") or "")[:500],
        "accreditations": (record.get("accreditations") or "")[:500],
        "assurer_email": record.get("assurer_email") or "",
        "funding": "\n".join(f for f in funding if f)[:1000],
        "service_areas": "\n".join(a for a in areas if a)[:1000],
        "assured_on": _date(record.get("assured_date"), notes),
    }
    for name, limit in (("description", 3000), ("eligibility", 2000), ("how_to_access", 2000)):
        if len(fields[name]) > limit:
            notes.append(f"{name}: cut to {limit} characters")
            fields[name] = fields[name][:limit]
    fields["minimum_age"] = _age(record.get("minimum_age"), "minimum_age", notes)
    fields["maximum_age"] = _age(record.get("maximum_age"), "maximum_age", notes)
    return fields


def _date(value, notes: list):
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        notes.append(f"assured_date: {value!r} is not a date; not kept")
        return None


def _locations(record: dict, notes: list) -> list[dict]:
    """Each service_at_location as the product's place fields, with the link's and the place's ids."""
    places = []
    for index, link in enumerate(record.get("service_at_locations") or [], start=1):
        location = link.get("location") or {}
        label = f"service_at_locations/{index}"
        location_id = location.get("id") or link.get("location_id")
        if not location_id:
            notes.append(f"{label}: no location; not kept")
            continue
        addresses = location.get("addresses") or []
        address = next((a for a in addresses if a.get("address_type") != "postal"), addresses[0] if addresses else {})
        if len(addresses) > 1:
            notes.append(f"{label}/location/addresses: {len(addresses) - 1} address(es) after the first not kept")
        accessibility = [a.get("description") or a.get("details") or "" for a in location.get("accessibility") or []]
        kind = Location.Kind.PHYSICAL
        name = location.get("name") or ""
        if location.get("location_type") == "virtual":
            kind = Location.Kind.HOME if "home" in name.lower() else Location.Kind.ONLINE
            if name in ("At the family's home", "Online or by phone"):
                name = ""
        postcode = (address.get("postal_code") or "").strip()
        if postcode:
            from agencies.models import UK_POSTCODE, normalise_postcode

            postcode = normalise_postcode(postcode)
            try:
                UK_POSTCODE(postcode)
            except ValidationError:
                notes.append(f"{label}/location/addresses/1/postal_code: {postcode!r} is not a UK postcode; not kept")
                postcode = ""
        for dropped in ("external_identifier", "external_identifier_type"):
            if location.get(dropped):
                notes.append(f"{label}/location/{dropped}: not kept")
        places.append(
            {
                "uuid": location_id,
                "link_uuid": link.get("id"),
                "kind": kind,
                "name": name[:300],
                "description": (location.get("description") or "")[:2000],
                "address_1": (address.get("address_1") or "")[:300],
                "city": (address.get("city") or "")[:150],
                "state_province": (address.get("state_province") or address.get("region") or "")[:150],
                "postcode": postcode,
                "latitude": location.get("latitude") if kind == Location.Kind.PHYSICAL else None,
                "longitude": location.get("longitude") if kind == Location.Kind.PHYSICAL else None,
                "accessibility": "\n".join(a for a in accessibility if a)[:2000],
                "schedules": [
                    s for s in record.get("schedules") or [] if s.get("service_at_location_id") == link.get("id")
                ],
            }
        )
    return places


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
    from .selectors import _full_service_prefetches

    service = (
        Service.objects.select_related("agency__directory_profile")
        .prefetch_related(*_full_service_prefetches())
        .get(pk=service_pk)
    )
    return _comparable(service_full(service))


def _set_contacts(service: Service, contacts: list[dict], notes: list) -> None:
    """Make the service's contacts those of the record; a contact id another service already has is re-keyed."""
    from .models import Contact
    from .openreferral import derived_id

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
        from .import_bulk import create_new

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
