"""One feed record as the product's fields: every value checked, and a note for each field kept only partly."""

import re
import uuid
from dataclasses import replace
from datetime import date, time

from django.core.exceptions import ValidationError

from .. import services
from ..models import ICAL_DAYS, MAX_AGE, Location, Service, Taxonomy, TaxonomyTerm
from .report import ImportReport

DAYS_BY_CODE = {code: day for day, code in ICAL_DAYS.items()}


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
    from ..models import OpeningTime

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
                found.append(services.OpeningSession(day=None, day_of_month=int(part), **common))
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
                found.append(services.OpeningSession(day=DAYS_BY_CODE[match[2]], week_of_month=week, **common))
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

    from ..openreferral import derived_id

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
