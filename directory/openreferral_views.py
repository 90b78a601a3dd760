"""The public, read-only Open Referral UK API. No sign-in; CORS, preflight, HEAD and JSON errors for every
response under it are `directory.openreferral_middleware`'s, so an error raised anywhere still gets them."""

import re
import uuid
from datetime import datetime, time
from functools import wraps

from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from . import openreferral, openreferral_selectors
from .models import ICAL_DAYS, MAX_AGE, Day


class BadParameter(ValueError):
    """A query parameter the API cannot honour: answered with a 400 that names it."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.parameter = name


def _open_to_all(*parameters: str):
    """A public API view that accepts only the query parameters it declares.

    The declared parameters are `view.parameters` (the hostile-input and conformance tests read them there).
    Any other parameter is refused with a 400 naming it: a filter the API does not apply is never silently
    ignored, since a harvester would take an unfiltered answer for a filtered one."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            unknown = sorted(name for name in request.GET if name not in parameters)
            try:
                if unknown:
                    raise BadParameter(
                        unknown[0],
                        f"This endpoint does not support the parameter{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(unknown)}"
                        + (f"; it supports {', '.join(parameters)}" if parameters else "; it takes none"),
                    )
                return view(request, *args, **kwargs)
            except BadParameter as error:
                return JsonResponse({"error": str(error), "parameter": error.parameter}, status=400)
            except Http404 as error:
                return JsonResponse({"error": str(error) or "Not found"}, status=404)

        wrapped.parameters = tuple(parameters)
        # Read-only and without cookies: a POST gets 405, not the CSRF failure page.
        return csrf_exempt(require_safe(wrapped))

    return decorate


PAGING = ("page", "per_page")
FILTERS = (
    "search",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "minimum_age",
    "maximum_age",
    "day",
    "start_time",
    "end_time",
    "modified_after",
)
# No page, age or page size needs more digits than this; longer numbers are refused before any arithmetic.
MAX_DIGITS = 9
DAYS = {code: day for day, code in ICAL_DAYS.items()} | {d.label.upper(): d.value for d in Day}
# The farthest `proximity` the API searches: 200 km covers any English county from its far side.
MAX_PROXIMITY_METRES = 200_000


def _int(request: HttpRequest, name: str, default=None, minimum: int = 0, maximum: int | None = None):
    value = request.GET.get(name, "").strip()
    if value == "":
        return default
    if not re.fullmatch(rf"[+-]?[0-9]{{1,{MAX_DIGITS}}}(\.0+)?", value):
        raise BadParameter(
            name, f"{name} must be a whole number" + (f" from {minimum} to {maximum}" if maximum else "")
        )
    number = int(float(value)) if "." in value else int(value)
    if number < minimum or (maximum is not None and number > maximum):
        raise BadParameter(
            name, f"{name} must be between {minimum} and {maximum}" if maximum else f"{name} must be at least {minimum}"
        )
    return number


def _text(request: HttpRequest, name: str, max_length: int) -> str:
    value = request.GET.get(name, "").strip()
    if "\x00" in value:
        raise BadParameter(name, f"{name} must not contain a NUL character")
    if len(value) > max_length:
        raise BadParameter(name, f"{name} must be at most {max_length} characters")
    return value


def _uuid(request: HttpRequest, name: str, what: str):
    value = _text(request, name, 100)
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise BadParameter(name, f"{name} must be {what}'s identifier (a UUID)") from None


def _time(request: HttpRequest, name: str):
    value = _text(request, name, 20)
    if not value:
        return None
    match = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?", value)
    if not match:
        raise BadParameter(name, f"{name} must be a time on the 24-hour clock, like 09:30 or 17:00:00")
    return time(int(match[1]), int(match[2]), int(match[3] or 0))


def _day(request: HttpRequest):
    value = _text(request, "day", 20).upper()
    if not value:
        return None
    if value not in DAYS:
        raise BadParameter("day", "day must be a day of the week: MO, TU, WE, TH, FR, SA or SU (or its name)")
    return DAYS[value]


def _datetime(request: HttpRequest, name: str):
    value = _text(request, name, 40)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+", 1) if "T" in value else value)
    except ValueError:
        raise BadParameter(name, f"{name} must be a date or date and time, like 2026-11-30T09:00:00Z") from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.get_current_timezone())


def _filters(request: HttpRequest) -> openreferral_selectors.OpenReferralFilters:
    minimum_age = _int(request, "minimum_age", maximum=MAX_AGE)
    maximum_age = _int(request, "maximum_age", maximum=MAX_AGE)
    start_time, end_time = _time(request, "start_time"), _time(request, "end_time")
    return openreferral_selectors.OpenReferralFilters(
        search=_text(request, "search", 200),
        taxonomy_term_id=_uuid(request, "taxonomy_term_id", "a taxonomy term"),
        taxonomy_id=_uuid(request, "taxonomy_id", "a taxonomy"),
        organization_id=_uuid(request, "organization_id", "an organization"),
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        day=_day(request),
        start_time=start_time,
        end_time=end_time,
        modified_after=_datetime(request, "modified_after"),
    )


def _paginate(request: HttpRequest, queryset, serialise, *, count=None):
    page_number = _int(request, "page", 1, minimum=1, maximum=10**MAX_DIGITS - 1)
    per_page = _int(request, "per_page", openreferral.DEFAULT_PER_PAGE, minimum=1, maximum=openreferral.MAX_PER_PAGE)
    start = (page_number - 1) * per_page
    rows = list(queryset[start : start + per_page])
    if page_number == 1 and len(rows) < per_page:
        total = len(rows)  # the whole answer is on this page: no need to count it
    else:
        total = count() if count else queryset.count()
    items = [serialise(item) for item in rows]
    return JsonResponse(openreferral.page(items, page_number=page_number, per_page=per_page, total=total))


def _id(value: str, what: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404(f"No such {what}") from None


@_open_to_all()
def api_root(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openreferral.root())


@_open_to_all(*FILTERS, *PAGING)
def service_list(request: HttpRequest) -> JsonResponse:
    services = openreferral_selectors.openreferral_services(_filters(request))
    return _paginate(request, services, openreferral.service_list_item)


@_open_to_all()
def service_detail(request: HttpRequest, service_id: str) -> JsonResponse:
    service = openreferral_selectors.openreferral_service(_id(service_id, "service"))
    if service is None:
        raise Http404("No such service")
    return JsonResponse(openreferral.service_full(service))


def _place(request: HttpRequest):
    from agencies.models import UK_POSTCODE, normalise_postcode

    from .services import postcode_point

    postcode = _text(request, "postcode", 10)
    proximity = request.GET.get("proximity", "").strip()
    if proximity and not postcode:
        raise BadParameter("proximity", "proximity needs a postcode to measure from")
    if not postcode:
        return None, None
    postcode = normalise_postcode(postcode)
    try:
        UK_POSTCODE(postcode)
    except Exception:
        raise BadParameter("postcode", "postcode must be a UK postcode, like NF4 6KH") from None
    point = postcode_point(postcode)
    if point is None:
        raise BadParameter("postcode", f"postcode {postcode} is not in this directory's postcode dataset")
    metres = None
    if proximity:
        if not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,3})?", proximity):
            raise BadParameter("proximity", "proximity must be a distance in metres, like 8000")
        metres = float(proximity)
        if not 0 < metres <= MAX_PROXIMITY_METRES:
            raise BadParameter("proximity", f"proximity must be more than 0 and at most {MAX_PROXIMITY_METRES} metres")
    return point, metres


@_open_to_all(*FILTERS, "postcode", "proximity", *PAGING)
def service_at_location_list(request: HttpRequest) -> JsonResponse:
    filters = _filters(request)
    point, metres = _place(request)
    links = openreferral_selectors.openreferral_service_locations(filters, point=point, metres=metres)
    return _paginate(
        request,
        links,
        lambda link: openreferral.service_at_location_item(link, distance=getattr(link, "distance", None)),
    )


@_open_to_all()
def service_at_location_detail(request: HttpRequest, link_id: str) -> JsonResponse:
    link = openreferral_selectors.openreferral_service_location(_id(link_id, "service at location"))
    if link is None:
        raise Http404("No such service at location")
    return JsonResponse(openreferral.service_at_location_item(link, full=True))


@_open_to_all(*PAGING)
def taxonomy_list(request: HttpRequest) -> JsonResponse:
    return _paginate(request, openreferral_selectors.taxonomies(), openreferral.taxonomy)


@_open_to_all()
def taxonomy_detail(request: HttpRequest, taxonomy_id: str) -> JsonResponse:
    found = openreferral_selectors.taxonomies().filter(uuid=_id(taxonomy_id, "taxonomy")).first()
    if found is None:
        raise Http404("No such taxonomy")
    return JsonResponse(openreferral.taxonomy(found))


@_open_to_all(*PAGING)
def taxonomy_term_list(request: HttpRequest) -> JsonResponse:
    return _paginate(request, openreferral_selectors.taxonomy_terms(), openreferral.taxonomy_term)


@_open_to_all()
def taxonomy_term_detail(request: HttpRequest, term_id: str) -> JsonResponse:
    found = openreferral_selectors.taxonomy_terms().filter(uuid=_id(term_id, "taxonomy term")).first()
    if found is None:
        raise Http404("No such taxonomy term")
    return JsonResponse(openreferral.taxonomy_term(found))


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Anything else under the API: a JSON 404, never the site's HTML page."""
    return JsonResponse({"error": "Not found: this API has no such endpoint"}, status=404)


not_found.parameters = ()  # it takes no parameters: any query string is still a JSON 404
