"""Saving only what changed: a save that changes nothing writes no history row and touches no timestamp.

Every edit page can be submitted unchanged (a practitioner opens it, reads it and presses Save); that must
leave the record, its history and its "last confirmed" stamp exactly as they were.
"""

from django.db import models

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
