from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from agencies import access

from . import openreferral_selectors, selectors, services
from . import snapshot as snapshot_reads
from .forms import (
    AgencySheetForm,
    ContactForm,
    DirectoryForm,
    EntryAddForm,
    EntryEditForm,
    GroupForm,
    ImportForm,
    LocationForm,
    OpeningTimesForm,
    PractitionerProfileForm,
    PublicFilterForm,
    ScheduleForm,
    ServiceForm,
)
from .models import DirectoryEntry
from .taxonomies import OUTCOMES, SERVICE_TYPES

PUBLIC_PAGE_SIZE = 50


# --- Home: what this user keeps in the directory ----------------------------------------------------


@login_required
def directory_home(request: HttpRequest) -> HttpResponse:
    managed = access.agencies_managed_by(request.user).select_related("directory_profile").order_by("name")
    coordinated = access.settings_coordinated_by(request.user).select_related("directory").order_by("name")
    return render(
        request,
        "directory/home.html",
        {"nav": "directory", "managed": managed, "coordinated": coordinated, "stale_cutoff": selectors.stale_cutoff()},
    )


@login_required
def practitioner_profile_edit(request: HttpRequest) -> HttpResponse:
    profile = selectors.practitioner_profile_of(request.user)
    form = PractitionerProfileForm(request.POST or None, user=request.user, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.practitioner_profile_update(
                actor=request.user, user=request.user, user_fields=form.user_fields(), **form.profile_fields()
            )
            if request.POST.get("confirm") == "yes":
                # An unchanged save changes nothing; saying it is still accurate is a decision of its own.
                services.practitioner_profile_confirm(actor=request.user, profile=profile)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Your directory profile has been saved")
            return redirect("directory-home")
    return render(request, "directory/practitioner_profile_edit.html", {"nav": "directory", "form": form})


# --- An agency's information sheet and services ----------------------------------------------------


@login_required
def agency_sheet(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    profile = selectors.profile_of(agency)
    return render(
        request,
        "directory/agency_sheet.html",
        {
            "nav": "directory",
            "agency": agency,
            "profile": profile,
            "services_offered": list(profile.services_offered.all()) if profile.pk else [],
            "opening_times": list(profile.opening_times.all()) if profile.pk else [],
            "services": selectors.services_of(agency),
        },
    )


def _history_page(request: HttpRequest, entries, **context) -> HttpResponse:
    return render(request, "directory/history.html", {"nav": "directory", "entries": entries, **context})


@login_required
def agency_sheet_history(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    return _history_page(
        request,
        selectors.agency_sheet_history(agency),
        subject=agency.name,
        heading="Change history of the information sheet",
        intro="Every change to the sheet, the agency's services and their opening times, with who made it and when.",
        caption="Changes to the information sheet and services, newest first",
        back_url=reverse("directory-agency", args=[agency.pk]),
        back_text="Back to the information sheet",
    )


@login_required
def agency_sheet_edit(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    profile = selectors.profile_of(agency)
    form = AgencySheetForm(request.POST or None, agency=agency, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_sheet_update(
                actor=request.user,
                agency=agency,
                agency_fields=form.agency_fields(),
                sheet_fields=form.sheet_fields(),
                services_offered=form.cleaned_data["services_offered"],
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"The information sheet of {agency.name} has been saved")
            return redirect("directory-agency", agency.pk)
    return render(request, "directory/agency_sheet_edit.html", {"nav": "directory", "agency": agency, "form": form})


@login_required
def agency_opening_times_edit(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    profile = selectors.profile_of(agency)
    form = OpeningTimesForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.agency_opening_times_set(
                actor=request.user,
                agency=agency,
                sessions=form.cleaned_data["sessions"],
                exceptions=form.cleaned_data["exceptions"],
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"The opening and contact times of {agency.name} have been saved")
            return redirect("directory-agency", agency.pk)
    return render(request, "directory/agency_opening_times.html", {"nav": "directory", "agency": agency, "form": form})


@login_required
@require_POST
def agency_sheet_confirm(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    services.agency_sheet_confirm(actor=request.user, agency=agency)
    messages.success(request, f"The information sheet of {agency.name} is confirmed as accurate today")
    return redirect("directory-agency", agency.pk)


@login_required
def service_add(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(
                actor=request.user,
                agency=agency,
                types=form.cleaned_data["types"],
                outcomes=form.cleaned_data["outcomes"],
                sessions=form.cleaned_data["sessions"],
                **form.service_fields(),
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{service.name} has been added")
            return redirect("directory-agency", agency.pk)
    return render(
        request, "directory/service_edit.html", {"nav": "directory", "agency": agency, "form": form, "service": None}
    )


@login_required
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_update(
                actor=request.user,
                service=service,
                types=form.cleaned_data["types"],
                outcomes=form.cleaned_data["outcomes"],
                sessions=form.cleaned_data["sessions"],
                **form.service_fields(),
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{service.name} has been saved")
            return redirect("directory-agency", service.agency_id)
    return render(
        request,
        "directory/service_edit.html",
        {"nav": "directory", "agency": service.agency, "form": form, "service": service},
    )


@login_required
@require_POST
def service_confirm(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    services.service_confirm(actor=request.user, service=service)
    messages.success(request, f"{service.name} is confirmed as accurate today")
    return redirect("directory-agency", service.agency_id)


def _link_of(service, link_id: int):
    link = service.service_locations.select_related("location").filter(pk=link_id).first()
    if link is None:
        raise Http404("No such place for this service")
    return link


@login_required
def service_location_add(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    form = LocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.service_location_add(
                actor=request.user, service=service, sessions=form.cleaned_data["sessions"], **form.location_fields()
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{link.location} has been added to {service.name}")
            return redirect("directory-agency", service.agency_id)
    return render(
        request, "directory/service_location_edit.html", {"nav": "directory", "service": service, "form": form}
    )


@login_required
def service_location_edit(request: HttpRequest, service_id: int, link_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    link = _link_of(service, link_id)
    form = LocationForm(request.POST or None, link=link)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_location_update(
                actor=request.user, link=link, sessions=form.cleaned_data["sessions"], **form.location_fields()
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{link.location} has been saved")
            return redirect("directory-agency", service.agency_id)
    return render(
        request,
        "directory/service_location_edit.html",
        {"nav": "directory", "service": service, "link": link, "form": form},
    )


@login_required
def service_location_remove(request: HttpRequest, service_id: int, link_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    link = _link_of(service, link_id)
    if request.method == "POST":
        services.service_location_remove(actor=request.user, link=link)
        messages.success(request, f"{link.location} has been removed from {service.name}")
        return redirect("directory-agency", service.agency_id)
    return render(
        request, "directory/service_location_remove.html", {"nav": "directory", "service": service, "link": link}
    )


def _contact_of(service, contact_id: int):
    contact = service.contacts.filter(pk=contact_id).first()
    if contact is None:
        raise Http404("No such contact for this service")
    return contact


@login_required
def service_contact_add(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.service_contact_add(actor=request.user, service=service, **form.contact_fields())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{contact} has been added to {service.name}")
            return redirect("directory-agency", service.agency_id)
    return render(
        request, "directory/service_contact_edit.html", {"nav": "directory", "service": service, "form": form}
    )


@login_required
def service_contact_edit(request: HttpRequest, service_id: int, contact_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    contact = _contact_of(service, contact_id)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_contact_update(actor=request.user, contact=contact, **form.contact_fields())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{contact} has been saved")
            return redirect("directory-agency", service.agency_id)
    return render(
        request,
        "directory/service_contact_edit.html",
        {"nav": "directory", "service": service, "contact": contact, "form": form},
    )


@login_required
def service_contact_remove(request: HttpRequest, service_id: int, contact_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    contact = _contact_of(service, contact_id)
    if request.method == "POST":
        services.service_contact_remove(actor=request.user, contact=contact)
        messages.success(request, f"{contact} has been removed from {service.name}")
        return redirect("directory-agency", service.agency_id)
    return render(
        request,
        "directory/service_part_remove.html",
        {"nav": "directory", "service": service, "what": contact, "consequence": "They stop being shown as a contact."},
    )


def _schedule_of(service, row_id: int):
    # The service's own times; times at a place are changed with the place.
    row = service.opening_times.filter(pk=row_id, service_location=None).first()
    if row is None:
        raise Http404("No such time for this service")
    return row


@login_required
def service_schedule_add(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.service_schedule_add(actor=request.user, service=service, session=form.session())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{row} has been added to {service.name}")
            return redirect("directory-agency", service.agency_id)
    return render(
        request, "directory/service_schedule_edit.html", {"nav": "directory", "service": service, "form": form}
    )


@login_required
def service_schedule_edit(request: HttpRequest, service_id: int, row_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    row = _schedule_of(service, row_id)
    form = ScheduleForm(request.POST or None, row=row)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_schedule_update(actor=request.user, row=row, session=form.session())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{row} has been saved")
            return redirect("directory-agency", service.agency_id)
    return render(
        request,
        "directory/service_schedule_edit.html",
        {"nav": "directory", "service": service, "row": row, "form": form},
    )


@login_required
def service_schedule_remove(request: HttpRequest, service_id: int, row_id: int) -> HttpResponse:
    service = access.get_service_for_editing(request.user, service_id)
    row = _schedule_of(service, row_id)
    if request.method == "POST":
        services.service_schedule_remove(actor=request.user, row=row)
        messages.success(request, f"{row} has been removed from {service.name}")
        return redirect("directory-agency", service.agency_id)
    return render(
        request,
        "directory/service_part_remove.html",
        {
            "nav": "directory",
            "service": service,
            "what": row,
            "consequence": "The service stops being shown at these times.",
        },
    )


# --- A setting's directory: draft, publish, versions ---------------------------------------------------


@login_required
def directory_start(request: HttpRequest, agency_id: int) -> HttpResponse:
    setting = access.get_setting_for_coordinator(request.user, agency_id)
    if hasattr(setting, "directory"):
        return redirect("directory-draft", setting.directory.pk)
    form = DirectoryForm(request.POST or None, initial={"title": f"{setting.name} directory"})
    if request.method == "POST" and form.is_valid():
        try:
            directory = services.directory_create(actor=request.user, setting=setting, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"The directory of {setting.name} has been started")
            return redirect("directory-draft", directory.pk)
    return render(request, "directory/directory_start.html", {"nav": "directory", "setting": setting, "form": form})


@login_required
def directory_draft(request: HttpRequest, directory_id: int) -> HttpResponse:
    directory = access.get_directory_for_coordinator(request.user, directory_id)
    entries = list(snapshot_reads.draft_entries(directory))
    snapshot = snapshot_reads.directory_snapshot(directory, entries)
    sections = [(None, [])] + [(section, []) for section in directory.sections.all()]
    by_section = {s.pk if s else None: items for s, items in sections}
    for entry in entries:
        by_section[entry.section_id].append(
            {
                "entry": entry,
                "data": snapshot_reads.entry_as_data(entry),
                "listed": snapshot_reads.entry_is_listed(entry),
            }
        )
    stale = {e.pk for e in selectors.stale_entries(entries)}
    return render(
        request,
        "directory/directory_draft.html",
        {
            "nav": "directory",
            "directory": directory,
            "sections": sections,
            "stale": stale,
            "changes": selectors.directory_changes(directory, snapshot),
            "latest": selectors.latest_version(directory),
            "versions": selectors.versions_of(directory),
        },
    )


@login_required
def directory_history(request: HttpRequest, directory_id: int) -> HttpResponse:
    directory = access.get_directory_for_coordinator(request.user, directory_id)
    return _history_page(
        request,
        selectors.directory_history(directory),
        subject=directory.title,
        heading="Change history",
        intro="Every change to the directory's details, groups and entries, and each version published, "
        "with who and when.",
        caption="Changes to the directory, newest first",
        back_url=reverse("directory-draft", args=[directory.pk]),
        back_text="Back to the directory",
    )


@login_required
def directory_edit(request: HttpRequest, directory_id: int) -> HttpResponse:
    directory = access.get_directory_for_coordinator(request.user, directory_id)
    form = DirectoryForm(
        request.POST or None, initial={"title": directory.title, "introduction": directory.introduction}
    )
    if request.method == "POST" and form.is_valid():
        services.directory_update(actor=request.user, directory=directory, **form.cleaned_data)
        messages.success(request, "The directory's title and introduction have been saved")
        return redirect("directory-draft", directory.pk)
    return render(request, "directory/directory_edit.html", {"nav": "directory", "directory": directory, "form": form})


@login_required
def section_add(request: HttpRequest, directory_id: int) -> HttpResponse:
    directory = access.get_directory_for_coordinator(request.user, directory_id)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        section = services.section_add(actor=request.user, directory=directory, heading=form.cleaned_data["heading"])
        messages.success(request, f"The group {section.heading} has been added")
        return redirect("directory-draft", directory.pk)
    return render(request, "directory/section_add.html", {"nav": "directory", "directory": directory, "form": form})


ENTRY_CHOICES = {
    "agency": lambda: selectors.listed_agencies().order_by("name"),
    "service": lambda: selectors.listed_services().select_related("agency").order_by("agency__name", "name"),
    "practitioner": lambda: selectors.listed_practitioners().order_by("full_name"),
}


@login_required
def entry_add(request: HttpRequest, directory_id: int, kind: str) -> HttpResponse:
    directory = access.get_directory_for_coordinator(request.user, directory_id)
    if kind not in ENTRY_CHOICES:
        raise Http404("No such kind of entry")
    form = EntryAddForm(request.POST or None, directory=directory, kind=kind, choices=ENTRY_CHOICES[kind]())
    if kind == "service":
        form.fields["target"].label_from_instance = lambda s: f"{s.name} ({s.agency.name})"
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_add(
                actor=request.user,
                directory=directory,
                target=form.cleaned_data["target"],
                section=form.cleaned_data["section"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{form.cleaned_data['target']} has been added to the draft")
            return redirect(reverse("directory-draft", args=[directory.pk]) + f"#entry-{entry.pk}")
    return render(
        request,
        "directory/entry_add.html",
        {"nav": "directory", "directory": directory, "form": form, "kind": DirectoryEntry.Kind(kind)},
    )


@login_required
def entry_edit(request: HttpRequest, directory_id: int, entry_id: int) -> HttpResponse:
    directory = access.get_directory_for_coordinator(request.user, directory_id)
    entry = access.get_entry_for_coordinator(request.user, directory, entry_id)
    form = EntryEditForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_update(actor=request.user, entry=entry, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{entry} has been saved")
            return redirect("directory-draft", directory.pk)
    return render(
        request, "directory/entry_edit.html", {"nav": "directory", "directory": directory, "entry": entry, "form": form}
    )


@login_required
def entry_remove(request: HttpRequest, directory_id: int, entry_id: int) -> HttpResponse:
    directory = access.get_directory_for_coordinator(request.user, directory_id)
    entry = access.get_entry_for_coordinator(request.user, directory, entry_id)
    if request.method == "POST":
        services.entry_remove(actor=request.user, entry=entry)
        messages.success(request, f"{entry} has been taken out of the draft")
        return redirect("directory-draft", directory.pk)
    return render(request, "directory/entry_remove.html", {"nav": "directory", "directory": directory, "entry": entry})


@login_required
def directory_publish(request: HttpRequest, directory_id: int) -> HttpResponse:
    directory = access.get_directory_for_coordinator(request.user, directory_id)
    error = None
    if request.method == "POST":
        try:
            version = services.directory_publish(actor=request.user, directory=directory)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, f"Version {version.number} of the directory has been published")
            return redirect("directory-draft", directory.pk)
    return render(
        request,
        "directory/directory_publish.html",
        {
            "nav": "directory",
            "directory": directory,
            "changes": selectors.directory_changes(directory),
            "latest": selectors.latest_version(directory),
            "error": error,
        },
    )


# --- Importing a feed -------------------------------------------------------------------------------------

IMPORT_REPORT_ROWS = 500


@login_required
def import_list(request: HttpRequest, agency_id: int) -> HttpResponse:
    setting = access.get_setting_for_coordinator(request.user, agency_id)
    posted = request.method == "POST"
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.import_start(
                actor=request.user, setting=setting, url=form.cleaned_data["url"], upload=form.cleaned_data["upload"]
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"The import of {run.source} has started")
            return redirect("directory-import", setting.pk, run.pk)
    runs = openreferral_selectors.import_runs_of(setting)
    return render(
        request, "directory/import_list.html", {"nav": "directory", "setting": setting, "form": form, "runs": runs}
    )


@login_required
def import_detail(request: HttpRequest, agency_id: int, run_id: int) -> HttpResponse:
    setting = access.get_setting_for_coordinator(request.user, agency_id)
    run = access.get_import_for_coordinator(request.user, setting, run_id)
    report = run.report or {}
    records = report.get("records", [])
    outcome = request.GET.get("show", "")
    wanted = [r for r in records if r["outcome"] == outcome] if outcome else records
    problems = [r for r in records if r["outcome"] == "rejected" or r["notes"]]
    return render(
        request,
        "directory/import_detail.html",
        {
            "nav": "directory",
            "setting": setting,
            "run": run,
            "counts": report.get("counts", {}),
            "problems": problems[:IMPORT_REPORT_ROWS],
            "more_problems": max(0, len(problems) - IMPORT_REPORT_ROWS),
            "records": wanted[:IMPORT_REPORT_ROWS],
            "more_records": max(0, len(wanted) - IMPORT_REPORT_ROWS),
            "show": outcome,
            "organisations": report.get("organisations_created", []),
            "terms": report.get("terms_created", []),
            "running": run.status in (run.Status.QUEUED, run.Status.RUNNING),
        },
    )


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
