"""Reads for Open Referral UK: services and services at locations by the API's filters, and import runs."""

import math
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q

from agencies.models import Agency

from .models import (
    SESSION_ORDER,
    OpeningTime,
    Service,
    ServiceLocation,
    Taxonomy,
    TaxonomyTerm,
)
from .selectors import EARTH_RADIUS_METRES, listed_services

# --- Open Referral UK ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenReferralFilters:
    """The filters of /services and /service_at_locations, already checked by the view."""

    search: str = ""
    taxonomy_term_id: object = None
    taxonomy_id: object = None
    organization_id: object = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    day: int | None = None
    start_time: object = None
    end_time: object = None
    modified_after: object = None


def _session_filter(filters: OpenReferralFilters, prefix: str = ""):
    """Services with one session that meets the day and time filters together."""
    if filters.day is None and filters.start_time is None and filters.end_time is None:
        return None
    sessions = OpeningTime.objects.filter(service=OuterRef(f"{prefix}pk"))
    if filters.day is not None:
        sessions = sessions.filter(day=filters.day)
    if filters.start_time is not None:
        sessions = sessions.filter(opens_at__gte=filters.start_time)
    if filters.end_time is not None:
        sessions = sessions.filter(closes_at__lte=filters.end_time)
    return Exists(sessions)


def _service_filters(filters: OpenReferralFilters, prefix: str = "") -> Q:
    """The filters as one condition on services (`prefix` reaches the service from another model)."""
    condition = Q()
    for word in filters.search.split():
        # Every word somewhere, not the whole phrase: "baby clinic" finds "Baby and child clinic".
        condition &= (
            Q(**{f"{prefix}name__icontains": word})
            | Q(**{f"{prefix}description__icontains": word})
            | Q(**{f"{prefix}agency__name__icontains": word})
        )
    if filters.taxonomy_term_id:
        condition &= (
            Q(**{f"{prefix}types__uuid": filters.taxonomy_term_id})
            | Q(**{f"{prefix}outcomes__uuid": filters.taxonomy_term_id})
            | Q(**{f"{prefix}other_terms__uuid": filters.taxonomy_term_id})
        )
    if filters.taxonomy_id:
        condition &= (
            Q(**{f"{prefix}types__taxonomy__uuid": filters.taxonomy_id})
            | Q(**{f"{prefix}outcomes__taxonomy__uuid": filters.taxonomy_id})
            | Q(**{f"{prefix}other_terms__taxonomy__uuid": filters.taxonomy_id})
        )
    if filters.organization_id:
        condition &= Q(**{f"{prefix}agency__directory_profile__uuid": filters.organization_id})
    if filters.minimum_age is not None:
        # "A minimum age of at least the value": services that take nobody younger (no minimum is 0).
        at_least = Q(**{f"{prefix}minimum_age__gte": filters.minimum_age})
        condition &= at_least | Q(**{f"{prefix}minimum_age__isnull": True}) if filters.minimum_age <= 0 else at_least
    if filters.maximum_age is not None:
        # "A maximum age at or below the value": an open upper bound is above every value.
        condition &= Q(**{f"{prefix}maximum_age__lte": filters.maximum_age})
    if filters.modified_after is not None:
        condition &= Q(**{f"{prefix}updated_at__gte": filters.modified_after})
    return condition


def _distinct_needed(filters: OpenReferralFilters) -> bool:
    return bool(filters.taxonomy_term_id or filters.taxonomy_id)


def openreferral_services(filters: OpenReferralFilters | None = None):
    """Listed services for Open Referral UK, filtered as its API describes, with their organisation joined."""
    filters = filters or OpenReferralFilters()
    services = listed_services().select_related("agency__directory_profile").order_by("name", "pk")
    services = services.filter(_service_filters(filters))
    sessions = _session_filter(filters)
    if sessions is not None:
        services = services.filter(sessions)
    if _distinct_needed(filters):
        # Distinct through a subquery, so the page's ORDER BY and OFFSET stay cheap.
        services = (
            listed_services()
            .select_related("agency__directory_profile")
            .order_by("name", "pk")
            .filter(pk__in=services.values("pk"))
        )
    return services


def _full_service_prefetches(prefix: str = ""):
    terms_with_taxonomy = TaxonomyTerm.objects.select_related("taxonomy")
    return [
        Prefetch(f"{prefix}types", queryset=terms_with_taxonomy),
        Prefetch(f"{prefix}outcomes", queryset=terms_with_taxonomy),
        Prefetch(f"{prefix}other_terms", queryset=terms_with_taxonomy),
        Prefetch(f"{prefix}opening_times", queryset=OpeningTime.objects.order_by(*SESSION_ORDER)),
        Prefetch(f"{prefix}service_locations", queryset=ServiceLocation.objects.select_related("location")),
        f"{prefix}contacts",
    ]


def openreferral_service(service_uuid) -> Service | None:
    """One listed service with everything the full Open Referral UK record nests."""
    return (
        listed_services()
        .select_related("agency__directory_profile")
        .prefetch_related(*_full_service_prefetches())
        .filter(uuid=service_uuid)
        .first()
    )


def _distance_metres(latitude: float, longitude: float):
    """Great-circle distance from a point to each location, as a database expression (PostgreSQL and SQLite)."""
    from django.db.models import FloatField, Value
    from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Sin

    lat = math.radians(latitude)
    cosine = Value(math.sin(lat)) * Sin(Radians(F("location__latitude"))) + Value(math.cos(lat)) * Cos(
        Radians(F("location__latitude"))
    ) * Cos(Radians(F("location__longitude")) - Value(math.radians(longitude)))
    # Rounding can push the cosine a hair past 1 for a location at the point itself.
    bounded = Greatest(Least(cosine, Value(1.0)), Value(-1.0), output_field=FloatField())
    return ACos(bounded) * Value(float(EARTH_RADIUS_METRES))


def bounding_box(latitude: float, longitude: float, metres: float) -> tuple[float, float, float, float]:
    """South, north, west and east edges of a box holding every point within `metres` (for the index)."""
    dlat = math.degrees(metres / EARTH_RADIUS_METRES)
    dlon = math.degrees(metres / (EARTH_RADIUS_METRES * max(math.cos(math.radians(latitude)), 1e-6)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def openreferral_service_locations(
    filters: OpenReferralFilters | None = None, *, point: tuple[float, float] | None = None, metres=None
):
    """Listed services at each of their locations; near a point, nearest first, within `metres` if given.

    The distance is computed by the database; a bounding box on the indexed coordinates first narrows
    the rows it is computed for."""
    filters = filters or OpenReferralFilters()
    links = (
        ServiceLocation.objects.filter(service__in=listed_services())
        .filter(_service_filters(filters, prefix="service__"))
        .select_related("location", "service__agency__directory_profile")
    )
    sessions = _session_filter(filters, prefix="service__")
    if sessions is not None:
        links = links.filter(sessions)
    if _distinct_needed(filters):
        links = ServiceLocation.objects.filter(pk__in=links.values("pk")).select_related(
            "location", "service__agency__directory_profile"
        )
    if point is None:
        return links.order_by("service__name", "service_id", "position", "pk")
    links = links.filter(location__latitude__isnull=False, location__longitude__isnull=False)
    if metres is not None:
        south, north, west, east = bounding_box(*point, metres)
        links = links.filter(location__latitude__range=(south, north), location__longitude__range=(west, east))
    links = links.annotate(distance=_distance_metres(*point))
    if metres is not None:
        links = links.filter(distance__lte=metres)
    return links.order_by("distance", "service__name", "pk")


def openreferral_service_location(link_uuid) -> ServiceLocation | None:
    return (
        ServiceLocation.objects.filter(service__in=listed_services(), uuid=link_uuid)
        .select_related("location", "service__agency__directory_profile")
        .prefetch_related(*_full_service_prefetches("service__"))
        .first()
    )


def import_runs_of(setting: Agency):
    """The setting's import runs, newest first, without their reports (read one run at a time)."""
    from .models import ImportRun

    return ImportRun.objects.filter(setting=setting).select_related("started_by").defer("report")


def taxonomies():
    return Taxonomy.objects.order_by("code")


def taxonomy_terms():
    return TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__code", "position", "code")
