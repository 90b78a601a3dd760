from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agencies import access
from agencies.access import CafNeed, ChildNeed
from children import services as child_services
from children.models import AccessEvent

from . import selectors, services
from .forms import ActionForm, CloseForm, CompleteForm, ReviewForm, SectionForm
from .models import Action
from .sections import ELEMENT_FIELDS, SECTIONS_BY_KEY, element_key


def caf_page(need: CafNeed, what: str):
    """Fetch the CAF through the access module (404 and a recorded refusal otherwise), then serve the
    page in one transaction with its access event."""
    CafNeed.check(need)  # a mistyped need fails when the module is imported, not on a request

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, assessment_id, *args, **kwargs):
            assessment, rights = access.get_assessment_for_user(request, assessment_id, need)
            with transaction.atomic():
                if request.method == "GET":
                    action = AccessEvent.Action.EMERGENCY if rights.child.emergency else AccessEvent.Action.VIEW
                    child_services.access_event_record(
                        request=request,
                        child=assessment.child,
                        action=action,
                        what=f"CAF version {assessment.version}: {what}",
                        rights=rights.child,
                    )
                return view(request, assessment, rights, *args, **kwargs)

        return wrapper

    return decorator


def _render(request, template, assessment, rights, **context):
    return render(request, template, {"assessment": assessment, "child": assessment.child, "rights": rights, **context})


# --- Starting ---------------------------------------------------------------------------------------


@login_required
def caf_start(request, child_id: int):
    child, rights = access.get_child_for_user(request, child_id, ChildNeed.EDIT)
    existing = services.open_caf_for(child)
    error = None
    if request.method == "POST":
        try:
            assessment = services.caf_start(actor=request.user, child=child)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, f"CAF version {assessment.version} started for {child.display_name}")
            return redirect(assessment)
    with transaction.atomic():
        child_services.access_event_record(
            request=request, child=child, action=AccessEvent.Action.VIEW, what="Start a CAF"
        )
        lead = selectors.lead_of(child)
        return render(
            request,
            "caf/caf_start.html",
            {"child": child, "rights": rights, "existing": existing, "lead": lead, "error": error},
        )


# --- The assessment ---------------------------------------------------------------------------------


@caf_page(CafNeed.READ, "task list")
def task_list(request, assessment, rights):
    return _render(request, "caf/task_list.html", assessment, rights, tasks=selectors.task_list(assessment))


def _edit_text(request, assessment, rights, *, key, text_fields, element=None, template, extra, back_url):
    """One page of text (a section or an element): save on submit, or show a conflict with both texts."""
    entry = selectors.entry_for(assessment, key)
    initial = {"revision": entry.revision if entry else 0, **(entry.data if entry else {})}
    if key in assessment.completed_sections:
        initial["completed"] = "yes"
    # After a time-out, what was typed is put back into the form by GovukFormMixin (agencies/middleware.py).
    data = request.POST if request.method == "POST" else None
    form = SectionForm(data, initial=initial, text_fields=text_fields, with_completed=element is None)
    conflict = None
    if request.method == "POST":
        if not rights.may_edit or not assessment.is_editable:
            raise Http404("This CAF cannot be changed")
        if form.is_valid():
            try:
                services.section_save(
                    actor=request.user,
                    assessment=assessment,
                    key=key,
                    data=form.text_data(),
                    base_revision=form.cleaned_data["revision"],
                    element=element,
                )
            except services.SectionConflict as clash:
                conflict = clash.entry
            else:
                if "completed" in form.cleaned_data and form.cleaned_data["completed"]:
                    services.section_mark_completed(
                        actor=request.user,
                        assessment=assessment,
                        key=key,
                        completed=form.cleaned_data["completed"] == "yes",
                    )
                messages.success(request, "Your changes have been saved")
                return redirect(back_url)
    if conflict is not None:
        theirs = [
            (spec, conflict.data.get(spec.name, ""), form.cleaned_data.get(spec.name, "")) for spec in text_fields
        ]
        merge = SectionForm(
            initial={"revision": conflict.revision, **{s.name: mine for s, _, mine in theirs}},
            text_fields=text_fields,
            with_completed=False,
        )
        return _render(
            request,
            "caf/conflict.html",
            assessment,
            rights,
            entry=conflict,
            comparisons=theirs,
            form=merge,
            action_url=request.path,
        )
    return _render(
        request,
        template,
        assessment,
        rights,
        form=form,
        entry=entry,
        autosave_url=request.path + "autosave/",
        back_url=back_url,
        **extra,
    )


@caf_page(CafNeed.READ, "section")
def section(request, assessment, rights, key: str):
    spec = SECTIONS_BY_KEY.get(key)
    if spec is None or key == "strengths-needs":
        raise Http404("No such section")
    return _edit_text(
        request,
        assessment,
        rights,
        key=key,
        text_fields=spec.fields,
        template="caf/section.html",
        extra={"section": spec, **selectors.section_context(assessment, key)},
        back_url=assessment.get_absolute_url(),
    )


@caf_page(CafNeed.READ, "strengths and needs")
def strengths_needs(request, assessment, rights):
    if request.method == "POST":
        if not rights.may_edit or not assessment.is_editable:
            raise Http404("This CAF cannot be changed")
        services.section_mark_completed(
            actor=request.user,
            assessment=assessment,
            key="strengths-needs",
            completed=request.POST.get("completed") == "yes",
        )
        messages.success(request, "Your changes have been saved")
        return redirect(assessment)
    return _render(
        request,
        "caf/strengths_needs.html",
        assessment,
        rights,
        domains=selectors.elements_by_domain(assessment),
        section=SECTIONS_BY_KEY["strengths-needs"],
        completed="strengths-needs" in assessment.completed_sections,
    )


@caf_page(CafNeed.READ, "element")
def element(request, assessment, rights, code: str):
    element = selectors.element_by_code(code)
    back = reverse("caf-strengths-needs", args=[assessment.pk])
    return _edit_text(
        request,
        assessment,
        rights,
        key=element_key(code),
        text_fields=ELEMENT_FIELDS,
        element=element,
        template="caf/element.html",
        extra={"element": element},
        back_url=back + f"#element-{code}",
    )


@caf_page(CafNeed.EDIT, "autosave")
@require_POST
def autosave(request, assessment, rights, key: str = "", code: str = ""):
    """htmx: save as the practitioner types. Never overwrites: a conflict is reported, not saved."""
    if code:
        element = selectors.element_by_code(code)
        key, text_fields = element_key(code), ELEMENT_FIELDS
    else:
        spec = SECTIONS_BY_KEY.get(key)
        if spec is None:
            raise Http404("No such section")
        element, text_fields = None, spec.fields
    form = SectionForm(request.POST, text_fields=text_fields, with_completed=False)
    state, entry = "invalid", None
    if form.is_valid():
        try:
            entry = services.section_save(
                actor=request.user,
                assessment=assessment,
                key=key,
                data=form.text_data(),
                base_revision=form.cleaned_data["revision"],
                element=element,
            )
            state = "saved"
        except services.SectionConflict as clash:
            state, entry = "conflict", clash.entry
        except ValidationError:
            state = "locked"
    return render(request, "caf/_autosave_status.html", {"state": state, "entry": entry, "form": form})


@caf_page(CafNeed.READ, "check your answers")
def check_answers(request, assessment, rights):
    form = CompleteForm(request.POST or None)
    if request.method == "POST":
        if not rights.may_edit:
            raise Http404("This CAF cannot be changed")
        if form.is_valid():
            try:
                services.caf_complete(
                    actor=request.user, assessment=assessment, consent_confirmed=form.cleaned_data["consent_confirmed"]
                )
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                messages.success(request, f"CAF version {assessment.version} is completed")
                return redirect(assessment)
    return _render(
        request,
        "caf/check_answers.html",
        assessment,
        rights,
        form=form,
        answers=selectors.answers(assessment),
        tasks=selectors.task_list(assessment),
    )


@caf_page(CafNeed.EDIT, "revise")
@require_POST
def revise(request, assessment, rights):
    try:
        new = services.caf_revise(actor=request.user, assessment=assessment)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(assessment)
    messages.success(request, f"Version {new.version} started from version {assessment.version}")
    return redirect(new)


@caf_page(CafNeed.READ, "versions")
def versions(request, assessment, rights):
    return _render(request, "caf/versions.html", assessment, rights, versions=selectors.versions(assessment))


# --- The delivery plan ------------------------------------------------------------------------------


@caf_page(CafNeed.READ, "delivery plan")
def plan(request, assessment, rights):
    actions = selectors.plan_actions(assessment)
    for item in actions:
        item.may_update = access.may_update_action(request.user, item, rights)
    return _render(
        request,
        "caf/plan.html",
        assessment,
        rights,
        actions=actions,
        reviews=assessment.reviews.prefetch_related("practitioners_present"),
    )


@caf_page(CafNeed.PLAN, "change an action")
def action_edit(request, assessment, rights, action_id=None):
    action = selectors.plan_action(assessment, action_id) if action_id else Action(assessment=assessment)
    form = ActionForm(request.POST or None, instance=action, team=selectors.action_owner_choices(assessment.child))
    if request.method == "POST" and form.is_valid():
        form.instance.owner_agency = form.cleaned_data["owner_agency"]
        form.instance.owner = form.cleaned_data["owner"]
        try:
            services.action_save(actor=request.user, action=form.instance)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "The delivery plan has been updated")
            return redirect("caf-plan", assessment.pk)
    return _render(request, "caf/action_edit.html", assessment, rights, form=form, action=action)


@login_required
def action_progress(request, assessment_id: int, action_id: int):
    """Progress is recorded on the action's own page, which its owner can open whatever the CAF's sharing:
    307 keeps the method and body of a form posted to this older address."""
    response = redirect("action-detail", action_id)
    response.status_code = 307
    return response


@caf_page(CafNeed.PLAN, "record a review")
def review_new(request, assessment, rights):
    form = ReviewForm(request.POST or None, team=selectors.team_users(assessment))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.review_record(
                actor=request.user, assessment=assessment, practitioners=data.pop("practitioners"), **data
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "The review has been recorded")
            return redirect("caf-plan", assessment.pk)
    return _render(request, "caf/review_new.html", assessment, rights, form=form)


@caf_page(CafNeed.PLAN, "close")
def close(request, assessment, rights):
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.caf_close(actor=request.user, assessment=assessment, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "The CAF has been closed")
            return redirect(assessment)
    decision = services.stepped_up_decision_for(assessment.child)
    return _render(request, "caf/close.html", assessment, rights, form=form, step_up_decision=decision)


# --- PDF copies -------------------------------------------------------------------------------------
#
# The PDF is rendered by a worker (caf.tasks.render_document). Asking is a POST; the status page polls a
# fragment with htmx (marked as a background request, so polling does not keep an idle session alive)
# and has a plain "Refresh" link without JavaScript; the download is itself an access event.


def _pdf_job(assessment, job_id):
    from .models import DocumentJob

    return get_object_or_404(DocumentJob, pk=job_id, kind=DocumentJob.Kind.CAF, assessment=assessment)


@caf_page(CafNeed.READ, "ask for a PDF copy")
@require_POST
def pdf_request(request, assessment, rights):
    from . import document_services

    job = document_services.document_request_caf(actor=request.user, assessment=assessment)
    return redirect("caf-pdf-status", assessment.pk, job.pk)


@caf_page(CafNeed.READ, "PDF copy")
def pdf_status(request, assessment, rights, job_id: int):
    return _render(request, "caf/pdf_status.html", assessment, rights, job=_pdf_job(assessment, job_id))


@login_required
def pdf_status_fragment(request, assessment_id: int, job_id: int):
    """htmx: the job's status alone. Authorised like every CAF page; not an access event, as it shows no
    information about the child and is asked for every two seconds by the page."""
    assessment, rights = access.get_assessment_for_user(request, assessment_id, CafNeed.READ)
    job = _pdf_job(assessment, job_id)
    return render(request, "caf/_pdf_status.html", {"assessment": assessment, "job": job, "rights": rights})


@login_required
def pdf_download(request, assessment_id: int, job_id: int):
    """The PDF file, as an attachment never cached, after recording the download as an access event."""
    from django.http import FileResponse

    from . import documents
    from .models import DocumentJob

    assessment, rights = access.get_assessment_for_user(request, assessment_id, CafNeed.READ)
    job = _pdf_job(assessment, job_id)
    if job.status != DocumentJob.Status.READY:
        return redirect("caf-pdf-status", assessment.pk, job.pk)
    path = documents.file_path(job.file)
    if not path.is_file():
        raise Http404("The file of this PDF is missing")
    with transaction.atomic():
        child_services.access_event_record(
            request=request,
            child=assessment.child,
            action=AccessEvent.Action.DOWNLOAD,
            what=f"CAF version {assessment.version}: PDF copy (document {job.pk})",
        )
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"caf-{assessment.child.reference}-version-{assessment.version}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Published directory PDFs (public) ----------------------------------------------------------------


def _published_version(slug: str, number: int):
    from . import documents

    version = (
        documents.directory_version_model()
        .objects.select_related("directory__setting")
        .defer("content")  # the status page reads it through directory.selectors.version_content
        .filter(directory__slug=slug, number=number)
        .first()
    )
    if version is None:
        raise Http404("No such directory")
    return version


def directory_pdf(request, slug: str, number: int):
    """Public: the PDF of a published directory version; made once, then served to everyone."""
    from . import document_services

    version = _published_version(slug, number)
    job = document_services.document_request_directory(version=version)
    if job.status == job.Status.READY and not request.htmx:
        return redirect("directory-pdf-download", slug, number)
    if request.htmx:
        return render(request, "caf/_directory_pdf_status.html", {"job": job, "slug": slug, "number": number})
    from directory.selectors import version_content

    return render(
        request,
        "caf/directory_pdf_status.html",
        {"version": version, "content": version_content(version), "job": job, "slug": slug, "number": number},
    )


def directory_pdf_download(request, slug: str, number: int):
    from django.http import FileResponse

    from . import documents
    from .models import DocumentJob

    version = _published_version(slug, number)
    job = (
        DocumentJob.objects.filter(
            kind=DocumentJob.Kind.DIRECTORY, directory_version_id=version.pk, status=DocumentJob.Status.READY
        )
        .order_by("-finished_at")
        .first()
    )
    if job is None or not documents.file_path(job.file).is_file():
        return redirect("directory-pdf", slug, number)
    response = FileResponse(
        documents.file_path(job.file).open("rb"),
        as_attachment=True,
        filename=f"{slug}-directory-version-{number}.pdf",
        content_type="application/pdf",
    )
    # Public and never changed once published, but kept out of shared caches like every document.
    response["Cache-Control"] = "no-store"
    return response
