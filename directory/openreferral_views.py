"""The public, read-only Open Referral UK API. No sign-in; every response allows any origin (profile rule)."""

import re
import uuid
from functools import wraps

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from . import openreferral, selectors


def _open_to_all(*parameters: str):
    """A public API view: any origin, JSON errors, and only the query parameters it declares.

    The declared parameters are `view.parameters` (the hostile-input test reads them there); anything else
    in the query string is not seen by the view, so a new parameter works only once it is declared."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            query = request.GET.copy()
            for name in list(query):
                if name not in parameters:
                    del query[name]
            request.GET = query
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = JsonResponse({"error": "Not found"}, status=404)
            except ValueError as error:
                response = JsonResponse({"error": str(error)}, status=400)
            response["Access-Control-Allow-Origin"] = "*"
            return response

        wrapped.parameters = tuple(parameters)
        return require_GET(wrapped)

    return decorate


PAGING = ("page", "per_page")
MAX_AGE = 150
# No page, age or page size needs more digits than this; longer numbers are refused before any arithmetic.
MAX_DIGITS = 9


def _int(request: HttpRequest, name: str, default=None, minimum: int = 0, maximum: int | None = None):
    value = request.GET.get(name, "").strip()
    if value == "":
        return default
    if not re.fullmatch(rf"[+-]?[0-9]{{1,{MAX_DIGITS}}}", value):
        raise ValueError(f"{name} must be a whole number" + (f" from {minimum} to {maximum}" if maximum else ""))
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum):
        raise ValueError(
            f"{name} must be between {minimum} and {maximum}" if maximum else f"{name} must be at least {minimum}"
        )
    return number


def _text(request: HttpRequest, name: str, max_length: int) -> str:
    value = request.GET.get(name, "").strip()
    if "\x00" in value:
        raise ValueError(f"{name} must not contain a NUL character")
    return value[:max_length]


def _paginate(request: HttpRequest, queryset, serialise):
    page_number = _int(request, "page", 1, minimum=1, maximum=10**MAX_DIGITS - 1)
    per_page = _int(request, "per_page", openreferral.DEFAULT_PER_PAGE, minimum=1, maximum=openreferral.MAX_PER_PAGE)
    total = queryset.count()
    start = (page_number - 1) * per_page
    items = [serialise(item) for item in queryset[start : start + per_page]] if start < total else []
    return JsonResponse(openreferral.page(items, page_number=page_number, per_page=per_page, total=total))


@_open_to_all()
def api_root(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openreferral.root())


@_open_to_all("search", "taxonomy_term_id", "minimum_age", "maximum_age", *PAGING)
def service_list(request: HttpRequest) -> JsonResponse:
    term = request.GET.get("taxonomy_term_id", "").strip()
    if term:
        try:
            term = uuid.UUID(term)
        except ValueError:
            raise ValueError("taxonomy_term_id must be a taxonomy term's identifier (a UUID)") from None
    services = selectors.openreferral_services(
        search=_text(request, "search", 200),
        taxonomy_term_id=term or None,
        minimum_age=_int(request, "minimum_age", maximum=MAX_AGE),
        maximum_age=_int(request, "maximum_age", maximum=MAX_AGE),
    )
    return _paginate(request, services, openreferral.service_list_item)


@_open_to_all()
def service_detail(request: HttpRequest, service_id: str) -> JsonResponse:
    try:
        key = uuid.UUID(service_id)
    except ValueError:
        raise Http404("No such service") from None
    service = selectors.openreferral_service(key)
    if service is None:
        raise Http404("No such service")
    return JsonResponse(openreferral.service_full(service))


@_open_to_all(*PAGING)
def taxonomy_list(request: HttpRequest) -> JsonResponse:
    return _paginate(request, selectors.taxonomies(), openreferral.taxonomy)


@_open_to_all(*PAGING)
def taxonomy_term_list(request: HttpRequest) -> JsonResponse:
    return _paginate(request, selectors.taxonomy_terms(), openreferral.taxonomy_term)
