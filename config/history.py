"""History (django-simple-history) for every app: recording who acted, saving only what changed, and
showing what changed.

Recording who acted: simple-history takes the acting user from the request, and there is none in a task,
a management command or a beat job; every service names the person with `acted_by`, so the same service
records the right one wherever it runs.

Saving only what changed: a save that changes nothing writes no history row and touches no timestamp.
Every edit page can be submitted unchanged (a practitioner opens it, reads it and presses Save); that must
leave the record, its history and its "last confirmed" stamp exactly as they were.

Showing what changed: `history_entries` turns history rows into the entries every history page shows
(`templates/_history_table.html`); `answer_history_entries` does the same for rows whose one JSON field holds
many answers (a CAF section), one change per answer; `who` names the person who acted.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.utils import formats, timezone


def acted_by(instance: models.Model, actor, *, reason: str = "") -> models.Model:
    """`instance`, set so that its next save records `actor` (a User, or None for the system) as the person who
    made the change, and `reason` (the history row's change reason) if given."""
    instance._history_user = actor
    if reason:
        instance._change_reason = reason
    return instance


# Stamps a save sets by itself: they follow a change, they are not one.
STAMPS = ("updated_at", "updated_by", "confirmed_at", "confirmed_by")


def has_changes(instance: models.Model, *, ignore=STAMPS) -> bool:
    """Whether saving `instance` would change its stored row (always true for a new one)."""
    if instance._state.adding or instance.pk is None:
        return True
    stored = instance._meta.model._base_manager.filter(pk=instance.pk).first()
    if stored is None:
        return True
    for field in instance._meta.concrete_fields:
        if field.name in ignore or field.primary_key:
            continue
        if field.value_from_object(instance) != field.value_from_object(stored):
            return True
    return False


def m2m_differs(instance: models.Model, name: str, values) -> bool:
    """Whether setting the many-to-many `name` to `values` would change it."""
    if instance.pk is None:
        return True
    wanted = {v.pk if isinstance(v, models.Model) else v for v in values}
    return wanted != set(getattr(instance, name).values_list("pk", flat=True))


# --- Showing what changed ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: str
    what: str
    action: str
    changes: list[FieldChange]
    reason: str = ""


def who(user) -> str:
    """How a history page names the person who acted."""
    return user.full_name if user else "The system"


def _display(record, field_name: str, value) -> str:
    field = record.instance_type._meta.get_field(field_name)
    if field.many_to_many:
        # simple-history gives many-to-many values as rows of the through table.
        ids = [row[field.m2m_reverse_field_name()] for row in value or []]
        names = sorted(str(obj) for obj in field.related_model.objects.filter(pk__in=ids))
        return ", ".join(names) if names else "(none)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if value in (None, ""):
        return "(blank)"
    if field.is_relation:
        related = field.related_model.objects.filter(pk=value).first()
        return str(related) if related else f"#{value}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, date):
        return formats.date_format(value, "j M Y")
    return str(value)


def history_entries(records, describe) -> list[HistoryEntry]:
    """Turn simple-history records (newest first) into entries of field, old and new value."""
    records = list(records)
    entries = []
    for index, record in enumerate(records):
        previous = next(
            (r for r in records[index + 1 :] if r.instance_type is record.instance_type and r.id == record.id),
            None,
        )
        changes = []
        if record.history_type == "+":
            action = "Created"
        elif record.history_type == "-":
            action = "Deleted"
        else:
            action = "Changed"
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                label = str(record.instance_type._meta.get_field(change.field).verbose_name).capitalize()
                changes.append(
                    FieldChange(
                        label, _display(record, change.field, change.old), _display(record, change.field, change.new)
                    )
                )
            if not changes:
                continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=who(record.history_user),
                what=describe(record),
                action=action,
                changes=changes,
                reason=getattr(record, "history_change_reason", None) or "",
            )
        )
    return entries


def answer_history_entries(records, describe, field: str = "data") -> list[HistoryEntry]:
    """Records (newest first) whose JSON `field` holds many answers, as entries of one change per answer that
    changed since the same row's previous record (every answer given, for the first); records that changed no
    answer are left out."""
    records = list(records)
    by_row = {}
    split = []
    for record in reversed(records):
        row = (record.instance_type, record.id)
        before = by_row.get(row, {})
        after = getattr(record, field) or {}
        changes = [
            FieldChange(
                name.replace("_", " ").capitalize(), before.get(name, "") or "(blank)", after.get(name, "") or "(blank)"
            )
            for name in sorted(set(before) | set(after))
            if before.get(name, "") != after.get(name, "")
        ]
        by_row[row] = after
        if changes:
            split.append(
                HistoryEntry(
                    when=record.history_date,
                    who=who(record.history_user),
                    what=describe(record),
                    action="Changed",
                    changes=changes,
                )
            )
    return list(reversed(split))
