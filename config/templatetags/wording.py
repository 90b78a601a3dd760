"""Numbers said the way a practitioner would say them: "21 hours", "3 days", "1 working day", "30 minutes"."""

from datetime import timedelta

from django import template

register = template.Library()


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


@register.filter
def hours_in_words(hours) -> str:
    """A time in hours: under two days in whole hours, from two days in whole days."""
    if hours is None:
        return ""
    hours = float(hours)
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        return _count(round(hours), "hour")
    return _count(round(hours / 24), "day")


@register.filter
def working_days(days) -> str:
    return f"{days} working day" if days == 1 else f"{days} working days"


@register.filter
def duration_in_words(value) -> str:
    """A timedelta (or a number of minutes) as hours and minutes: "30 minutes", "1 hour 30 minutes"."""
    if value is None:
        return ""
    minutes = round(value.total_seconds() / 60) if isinstance(value, timedelta) else int(value)
    hours, minutes = divmod(minutes, 60)
    parts = ([_count(hours, "hour")] if hours else []) + ([_count(minutes, "minute")] if minutes or not hours else [])
    return " ".join(parts)
