"""The CAF's pages: starting one, the task list, its sections and elements, check your answers, revising and
its versions; and `caf_page`, how every CAF page is served. The delivery plan is in plan_views.py, the PDF
copies in pdf_views.py, the pages an action's owner works from in action_views.py."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agencies import access
from agencies.access import CafNeed, ChildNeed
from children import services as child_services
from children.models import AccessEvent

from . import selectors, services
from .forms import AnswersForm, CompleteForm
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
    form = AnswersForm(data, initial=initial, text_fields=text_fields, with_completed=element is None)
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
        merge = AnswersForm(
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
    form = AnswersForm(request.POST, text_fields=text_fields, with_completed=False)
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
