"""The published directory, as anyone sees it: search by need, place and postcode."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from . import selectors
from .forms import (
    PublicFilterForm,
)
from .taxonomies import OUTCOMES, SERVICE_TYPES

PUBLIC_PAGE_SIZE = 50


# --- The public directory --------------------------------------------------------------------------------


def _term_choices(content: dict, key: str, names: str) -> list[tuple[str, str]]:
    seen = {}
    for section in content["sections"]:
        for entry in section["entries"]:
            seen.update(zip(entry[key], entry[names], strict=False))
    order = {code: i for i, (code, _, _) in enumerate(SERVICE_TYPES + OUTCOMES)}
    return sorted(seen.items(), key=lambda item: order.get(item[0], 99))


def _facets(content: dict) -> dict:
    return {
        "types": _term_choices(content, "types", "type_names"),
        "outcomes": _term_choices(content, "outcomes", "outcome_names"),
    }


def _card(version, entry: dict) -> str:
    """An entry's card, rendered once per published version (a published version never changes)."""
    return selectors.version_memo(
        version,
        ("card", entry["key"]),
        lambda: render_to_string("directory/_entry.html", {"data": entry, "entry": None, "level": 4}),
    )


def public_directory(request: HttpRequest, slug: str, number: int | None = None) -> HttpResponse:
    """The published directory (the latest version, or an earlier one): public, no child data anywhere."""
    directory = selectors.published_directory(slug)
    version = selectors.published_version(directory, number) if directory else None
    if version is None:
        raise Http404("No such directory")
    content = selectors.version_content(version)
    facets = selectors.version_memo(version, "facets", lambda: _facets(content))
    form = PublicFilterForm(request.GET or None, type_choices=facets["types"], outcome_choices=facets["outcomes"])
    filters = selectors.PublicFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.PublicFilters(
            search=data["search"].strip(),
            type=data["type"],
            outcome=data["outcome"],
            age=data["age"],
            day=data["day"],
            point=form.point if data["postcode"] else None,
            miles=data["miles"],
        )
    # Paginate entries across sections, keeping each page's entries under their section headings.
    if filters.any:
        sections = selectors.search_version(content, filters)
        flat = [(section["heading"], entry) for section in sections for entry in section["entries"]]
    else:
        flat = selectors.version_memo(
            version,
            "all entries",
            lambda: [(section["heading"], entry) for section in content["sections"] for entry in section["entries"]],
        )
    page = Paginator(flat, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    grouped = []
    for heading, entry in page.object_list:
        if not grouped or grouped[-1]["heading"] != heading:
            grouped.append({"heading": heading, "entries": []})
        grouped[-1]["entries"].append({"miles": entry.get("miles"), "card": _card(version, entry)})
    query = request.GET.copy()
    query.pop("page", None)
    form_html = None
    if not form.is_bound:
        # The empty filter form is the same for everyone who opens this version.
        form_html = selectors.version_memo(
            version, "empty filter form", lambda: render_to_string("forms/form.html", {"form": form})
        )
    return render(
        request,
        "directory/public_directory.html",
        {
            "form_html": form_html,
            "directory": directory,
            "version": version,
            "content": content,
            "form": form,
            "filters": filters,
            "sections": grouped,
            "page": page,
            "total": len(flat),
            "query": query.urlencode(),
            "is_latest": number is None,
            "versions": selectors.published_versions_for_public(directory),
        },
    )
