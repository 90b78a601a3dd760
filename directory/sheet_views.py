"""An agency's information sheet and its services (contacts, times, places), kept true by its managers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agencies import access

from . import selectors, services
from .forms import (
    AgencySheetForm,
    ContactForm,
    LocationForm,
    OpeningTimesForm,
    ScheduleForm,
    ServiceForm,
)
from .views import history_page

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


@login_required
def agency_sheet_history(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    return history_page(
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
