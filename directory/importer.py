"""Loading an Open Referral UK feed (services in the format /openreferral/services/{id} serves).

Each record is validated against the pinned compiled service schema and then imported in its own
transaction, so a bad record is rejected with its reason and the rest still load. Records are matched
on their identifiers, so importing the same feed twice changes nothing the second time.
"""

import json
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from jsonschema import Draft202012Validator, FormatChecker

from agencies import services as agency_services
from agencies.models import Agency

from . import services
from .models import ICAL_DAYS, AgencyProfile, Service, TaxonomyTerm
from .openreferral import service_full

# A copy of the pinned ../shared/oruk-uk-profile/schema/compiled/service.json, so the command does not
# depend on a folder outside the project when deployed (a test checks the copy is identical).
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
DAYS_BY_CODE = {code: day for day, code in ICAL_DAYS.items()}


class FeedError(Exception):
    """The file as a whole cannot be read as a feed: nothing is written."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)


def _service_validator():
    schema = json.loads((SCHEMA_DIR / "service.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def read_feed(text: str) -> list:
    """The records of a feed: a JSON list of services, or a page object with them in `contents`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FeedError(f"The file is not JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    elif isinstance(data, dict) and isinstance(data.get("services"), list):
        data = data["services"]
    if not isinstance(data, list):
        raise FeedError(
            'The file is not an Open Referral UK feed: expected a list of services, or a page with them in "contents"'
        )
    if data and not any(isinstance(item, dict) and "name" in item and "id" in item for item in data):
        raise FeedError(
            "The file is not an Open Referral UK feed: none of its records is a service with an id and a name"
        )
    return data


def _label(index: int, record) -> str:
    if isinstance(record, dict):
        return f"record {index} ({record.get('name') or record.get('id') or 'no name'})"
    return f"record {index}"


def _time(value: str) -> time:
    hours, minutes = value.split(":")[:2]
    return time(int(hours), int(minutes))


def _fields_from(record: dict) -> tuple[dict, list, list, list]:
    contact = (record.get("contacts") or [{}])[0]
    phones = contact.get("phones") or []
    location = ((record.get("service_at_locations") or [{}])[0]).get("location") or {}
    address = (location.get("addresses") or [{}])[0]
    accessibility = (location.get("accessibility") or [{}])[0]
    cost = (record.get("cost_options") or [{}])[0]
    fields = {
        "name": record["name"].strip(),
        "description": record.get("description", ""),
        "status": record.get("status", Service.Status.ACTIVE),
        "minimum_age": record.get("minimum_age"),
        "maximum_age": record.get("maximum_age"),
        "eligibility": record.get("eligibility_description", ""),
        "how_to_access": record.get("application_process", ""),
        "cost": record.get("fees") or cost.get("amount_description", ""),
        "languages": ", ".join(lang["name"] for lang in record.get("languages") or [] if lang.get("name")),
        "accessibility": accessibility.get("description", ""),
        "location": location.get("name", ""),
        "postcode": address.get("postal_code", ""),
        "url": record.get("url", ""),
        "contact_name": contact.get("name", ""),
        "contact_phone": phones[0].get("number", "") if phones else "",
        "contact_email": record.get("email") or contact.get("email", ""),
        "schedule_notes": next((s.get("notes") for s in record.get("schedules") or [] if s.get("notes")), ""),
    }
    for age in ("minimum_age", "maximum_age"):
        if fields[age] is not None:
            if fields[age] != int(fields[age]) or fields[age] < 0:
                raise ValidationError({age: "Ages must be whole numbers of years"})
            fields[age] = int(fields[age])
    term_ids = [
        a.get("taxonomy_term_id") or (a.get("taxonomy_term") or {}).get("id") for a in record.get("attributes") or []
    ]
    terms = list(TaxonomyTerm.objects.select_related("taxonomy").filter(uuid__in=[t for t in term_ids if t]))
    types = [t for t in terms if t.taxonomy.code == "service_types"]
    outcome_terms = [t for t in terms if t.taxonomy.code == "ecm_outcomes"]
    sessions = []
    for schedule in record.get("schedules") or []:
        if not (schedule.get("byday") and schedule.get("opens_at") and schedule.get("closes_at")):
            continue
        for code in schedule["byday"].split(","):
            day = DAYS_BY_CODE.get(code.strip().upper()[-2:])
            if day is None:
                raise ValidationError(f"Unknown day {code!r} in a schedule")
            sessions.append(services.Session(day, _time(schedule["opens_at"]), _time(schedule["closes_at"])))
    return fields, types, outcome_terms, sessions


def _organisation(record: dict, report: ImportReport) -> Agency:
    org = record.get("organization")
    if not isinstance(org, dict) or not org.get("id") or not org.get("name"):
        raise ValidationError("The service has no organization with an id and a name")
    profile = AgencyProfile.objects.select_related("agency").filter(uuid=org["id"]).first()
    if profile:
        return profile.agency
    agency = Agency.objects.filter(name=org["name"].strip()).first()
    if agency is None:
        agency = agency_services.agency_create(
            actor=None,
            name=org["name"].strip(),
            kind=Agency.Kind.OTHER,
            sector=Agency.Sector.VOLUNTARY,
            email=org.get("email", ""),
            website=org.get("website", ""),
        )
        report.organisations_created.append(agency.name)
    if not AgencyProfile.objects.filter(agency=agency).exists():
        profile = AgencyProfile(agency=agency, uuid=org["id"], profile=org.get("description", ""))
        profile.full_clean()
        profile._history_user = None
        profile.save()
    return agency


def _comparable(data: dict) -> dict:
    # Ignore what the product sets itself (confirmation and modification times).
    return {k: v for k, v in data.items() if k not in ("assured_date", "last_modified")}


def import_record(record: dict, report: ImportReport, label: str) -> None:
    with transaction.atomic():
        agency = _organisation(record, report)
        fields, types, outcome_terms, sessions = _fields_from(record)
        existing = Service.objects.filter(uuid=record["id"]).first()
        if existing is not None and existing.agency_id != agency.pk:
            raise ValidationError("The service's identifier belongs to a service of another organisation")
        if existing is None:
            # The feed's identifier is kept, so the next import of the same feed matches this service.
            services.service_create(
                actor=None,
                agency=agency,
                types=types,
                outcomes=outcome_terms,
                sessions=sessions,
                uuid=record["id"],
                **fields,
            )
            report.created.append(label)
            return
        before = _comparable(service_full(existing))
        services.service_update(
            actor=None, service=existing, types=types, outcomes=outcome_terms, sessions=sessions, **fields
        )
        after = _comparable(service_full(Service.objects.get(pk=existing.pk)))
        if before == after:
            # Nothing changed: undo the confirmation time the update set, so a re-import leaves no trace.
            transaction.set_rollback(True)
            report.skipped.append(f"{label}: unchanged")
        else:
            report.updated.append(label)


def import_feed(text: str) -> ImportReport:
    """Import every valid record; reject each invalid one with its reason. FeedError if the file is unreadable."""
    records = read_feed(text)
    validator = _service_validator()
    report = ImportReport()
    for index, record in enumerate(records, start=1):
        label = _label(index, record)
        if not isinstance(record, dict):
            report.rejected.append(f"{label}: not a service object")
            continue
        errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        if errors:
            first = errors[0]
            where = "/".join(str(p) for p in first.absolute_path) or "the record"
            report.rejected.append(f"{label}: {where}: {first.message}")
            continue
        try:
            import_record(record, report, label)
        except ValidationError as error:
            messages = (
                [f"{name}: {'; '.join(m)}" for name, m in error.message_dict.items()]
                if hasattr(error, "error_dict")
                else error.messages
            )
            report.rejected.append(f"{label}: {' '.join(messages)}")
        except (KeyError, TypeError, ValueError) as error:
            report.rejected.append(f"{label}: malformed value ({error})")
    return report
