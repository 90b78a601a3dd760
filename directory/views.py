from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from agencies import access

from . import openreferral_selectors, selectors, services
from . import snapshot as snapshot_reads
from .forms import (
    DirectoryForm,
    EntryAddForm,
    EntryEditForm,
    GroupForm,
    ImportForm,
    PractitionerProfileForm,
)
from .models import DirectoryEntry

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


def history_page(request: HttpRequest, entries, **context) -> HttpResponse:
    return render(request, "directory/history.html", {"nav": "directory", "entries": entries, **context})


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
    return history_page(
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
