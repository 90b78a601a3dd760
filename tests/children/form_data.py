"""POST data shaped like the children forms, and the fields of a consent record."""

from datetime import date, timedelta

from django.utils import timezone

from children.models import Consent


def consent_fields(**overrides):
    """A parent's written consent to share basic and additional information with the whole team."""
    fields = {
        "given_by": Consent.GivenBy.PARENT,
        "given_by_name": "Jade Carter",
        "given_on": timezone.localdate() - timedelta(days=7),
        "method": Consent.Method.WRITTEN,
        "scope": Consent.Scope.ADDITIONAL,
        "all_involved_agencies": True,
        "purposes": "To co-ordinate support for Keziah and her family",
    }
    fields.update(overrides)
    return fields


def date_data(field: str, value: date | None) -> dict:
    """The three inputs (day, month, year) of a GOV.UK date field."""
    if value is None:
        return {f"{field}_0": "", f"{field}_1": "", f"{field}_2": ""}
    return {f"{field}_0": str(value.day), f"{field}_1": str(value.month), f"{field}_2": str(value.year)}


def child_form_data(child=None, **changes) -> dict:
    """POST data for the child's identifying details: the record's current values, with `changes`."""
    values = {
        "first_name": child.first_name if child else "",
        "last_name": child.last_name if child else "",
        "other_names": child.other_names if child else "",
        "sex": child.sex if child else "not_known",
        "is_unborn": child.is_unborn if child else False,
        "unborn_mother_name": child.unborn_mother_name if child else "",
        "date_of_birth": child.date_of_birth if child else None,
        "expected_date_of_delivery": child.expected_date_of_delivery if child else None,
        "address": child.address if child else "",
        "postcode": child.postcode if child else "",
        "phone": child.phone if child else "",
        "religion": child.religion if child else "",
        "ethnicity": child.ethnicity if child else "not_known",
        "first_language": child.first_language if child else "",
        "parents_first_language": child.parents_first_language if child else "",
        "has_disability": child.has_disability if child else "not_known",
        "disability_details": child.disability_details if child else "",
        "interpreter_needed": child.interpreter_needed if child else False,
        "special_requirements": child.special_requirements if child else "",
        "school": child.school_id if child and child.school_id else "",
        "gp_practice": child.gp_practice_id if child and child.gp_practice_id else "",
    }
    values.update(changes)
    data = {}
    for name, value in values.items():
        if name in ("date_of_birth", "expected_date_of_delivery"):
            data.update(date_data(name, value))
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else str(value)
    return data
