from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from agencies import access
from agencies.access import ChildNeed
from config.context_processors import UnreadCount
from config.pagination import peek_page

from . import selectors, services
from .forms import (
    ChildForm,
    ChildSearchForm,
    ConsentConfirmForm,
    ConsentForm,
    ConsentWithdrawForm,
    DisclosureForm,
    EmergencyAccessForm,
    EscalationDecisionForm,
    EscalationForm,
    FamilyMemberForm,
    HandoverNoteForm,
    InvolvementEndForm,
    InvolvementForm,
    LeadProfessionalForm,
)
from .models import (
    AccessEvent,
    FamilyMember,
)


def child_page(need: ChildNeed, what: str):
    """Fetch the child through the access module (404 and a recorded refusal for anyone else), then
    serve the page in one transaction with the record of the view: no page without its access event."""
    ChildNeed.check(need)  # a mistyped need fails when the module is imported, not on a request

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, child_id, *args, **kwargs):
            child, rights = access.get_child_for_user(request, child_id, need)
            with transaction.atomic():
                if request.method == "GET":
                    action = AccessEvent.Action.EMERGENCY if rights.emergency else AccessEvent.Action.VIEW
                    services.access_event_record(request=request, child=child, action=action, what=what, rights=rights)
                response = view(request, child, rights, *args, **kwargs)
            return response

        return wrapper

    return decorator


def _render(request, template, child, rights, **context):
    return render(request, template, {"child": child, "rights": rights, **context})


# --- Lists and the child index --------------------------------------------------------------------


# The children list pages through this many at most; beyond them, the child index finds anyone.
CHILDREN_LIST_CAP = 1000


@login_required
def child_list(request: HttpRequest) -> HttpResponse:
    page = peek_page(selectors.children_list_for(request.user), request.GET.get("page"), 50, cap=CHILDREN_LIST_CAP)
    shown = [child.pk for child in page.object_list]
    if shown:
        # The list names these children: one access event for the page view (issue 15).
        services.access_event_record(
            request=request,
            child=None,
            action=AccessEvent.Action.LIST,
            what=f"Children list, page {page.number}",
            children_shown=shown,
        )
    return render(request, "children/child_list.html", {"page": page, "cap": CHILDREN_LIST_CAP})


@login_required
def child_search(request: HttpRequest) -> HttpResponse:
    """The child index. Searches are POSTed, so no name or date of birth is ever in a URL or a log."""
    form = ChildSearchForm(request.POST or None)
    results = None
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            results = selectors.child_index_search(
                request.user,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                postcode=form.cleaned_data["postcode"],
            )
            used = ", ".join(
                label
                for name, label in [
                    ("first_name", "first name"),
                    ("last_name", "last name"),
                    ("date_of_birth", "date of birth"),
                    ("postcode", "postcode"),
                ]
                if form.cleaned_data.get(name)
            )
            services.access_event_record(
                request=request,
                child=None,
                action=AccessEvent.Action.SEARCH,
                what=f"Child index search by {used}: {len(results)} match(es)",
            )
            access.emergency_match_tokens(request, results)
            return render(request, "children/child_search.html", {"form": form, "results": results})
    return render(request, "children/child_search.html", {"form": form, "results": results})


@login_required
def child_create(request: HttpRequest) -> HttpResponse:
    """Open a record. The child index is searched first and likely duplicates are shown before saving."""
    if not access.may_open_record(request.user):
        raise Http404("Only members of an agency can open a child's record")
    form = ChildForm(request.POST or None)
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not request.POST.get("confirmed_new"):
            with transaction.atomic():
                duplicates = selectors.child_index_search(
                    request.user,
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                    date_of_birth=data.get("date_of_birth") or data.get("expected_date_of_delivery"),
                    postcode=data.get("postcode", ""),
                )
                if duplicates:
                    access.emergency_match_tokens(request, duplicates)
                    services.access_event_record(
                        request=request,
                        child=None,
                        action=AccessEvent.Action.SEARCH,
                        what=f"Duplicate check before opening a record: {len(duplicates)} match(es)",
                    )
        if not duplicates:
            try:
                child = services.child_create(actor=request.user, **data)
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                messages.success(request, f"The record for {child.display_name} has been opened ({child.reference})")
                return redirect(child)
    return render(request, "children/child_create.html", {"form": form, "duplicates": duplicates})


# --- The child's record ---------------------------------------------------------------------------


@child_page(ChildNeed.BASIC, "Child's record")
def child_detail(request, child, rights):
    record = selectors.child_record(
        child, cafs=rights.may_view_additional, also={"unread": UnreadCount.subquery(request.user)}
    )
    # The header's count, asked with the record's first query.
    record["unread_notifications"] = UnreadCount(request.user, record.pop("also")["unread"])
    for escalation in record["escalations"]:
        escalation.concern_readable = access.may_read_concern(request.user, escalation, rights)
    return _render(
        request,
        "children/child_detail.html",
        child,
        rights,
        **record,
        **selectors.team_changes_for(
            request.user,
            child,
            rights,
            record["escalations"],
            lead=record["lead"],
            previous_lead=record["previous_lead"],
            involvements=record["involvements"],
        ),
    )


@child_page(ChildNeed.EDIT, "Edit identifying details")
def child_edit(request, child, rights):
    form = ChildForm(request.POST or None, instance=child)
    if request.method == "POST" and form.is_valid():
        services.child_update(actor=request.user, child=child, **form.cleaned_data)
        messages.success(request, "The child's details have been updated")
        return redirect(child)
    return _render(request, "children/child_edit.html", child, rights, form=form)


@child_page(ChildNeed.EDIT, "Family and household")
def family_member_edit(request, child, rights, member_id=None):
    member = selectors.family_member(child, member_id) if member_id else FamilyMember(child=child)
    form = FamilyMemberForm(
        request.POST or None, instance=member, linkable_children=selectors.linkable_children(request.user, child)
    )
    if request.method == "POST" and form.is_valid():
        services.family_member_save(actor=request.user, member=form.instance)
        messages.success(request, f"{form.instance.name} has been saved in the family and household")
        return redirect(child.get_absolute_url() + "#family")
    return _render(request, "children/family_member_edit.html", child, rights, form=form, member=member)


@child_page(ChildNeed.EDIT, "Remove a family member")
def family_member_remove(request, child, rights, member_id):
    member = selectors.family_member(child, member_id)
    if request.method == "POST":
        services.family_member_remove(actor=request.user, member=member)
        messages.success(request, f"{member.name} has been removed from the family and household")
        return redirect(child.get_absolute_url() + "#family")
    return _render(request, "children/family_member_remove.html", child, rights, member=member)


@child_page(ChildNeed.EDIT, "Add to the team around the child")
def involvement_add(request, child, rights):
    form = InvolvementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            involvement = services.involvement_add(
                actor=request.user,
                child=child,
                agency=form.cleaned_data["agency"],
                role=form.cleaned_data["role"],
                practitioner=form.cleaned_data["practitioner"],
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{involvement.agency.name} has joined the team around the child")
            return redirect(child.get_absolute_url() + "#team")
    return _render(request, "children/involvement_add.html", child, rights, form=form)


@child_page(ChildNeed.BASIC, "End an involvement")
def involvement_end(request, child, rights, involvement_id):
    involvement = selectors.current_involvement(child, involvement_id)
    if not access.may_end_involvement(request.user, involvement, rights):
        access.refuse(request, child, f"end involvement #{involvement_id}")
    form = InvolvementEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.involvement_end(actor=request.user, involvement=involvement, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{involvement.agency.name} has left the team around the child")
            return redirect(child.get_absolute_url() + "#team")
    return _render(request, "children/involvement_end.html", child, rights, form=form, involvement=involvement)


@child_page(ChildNeed.BASIC, "Choose the lead professional")
def lead_professional_choose(request, child, rights):
    current = access.current_lead(child)
    if not access.may_change_lead(request.user, child, rights, lead=current):
        access.refuse(request, child, "change the lead professional")
    form = LeadProfessionalForm(
        request.POST or None,
        candidates=selectors.lead_candidates(child),
        may_hand_over=access.may_hand_over(request.user, current),
        initial={"practitioner": current.practitioner_id if current else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_professional_set(
                actor=request.user,
                child=child,
                practitioner=form.cleaned_data["practitioner"],
                family_agreed=form.cleaned_data["family_agreed"],
                agreed_on=form.cleaned_data["agreed_on"],
                handover_note=form.cleaned_data.get("handover_note", ""),
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{lead.practitioner.full_name} is now the lead professional")
            return redirect(child.get_absolute_url() + "#team")
    return _render(
        request,
        "children/lead_professional_choose.html",
        child,
        rights,
        form=form,
        past_leads=selectors.past_leads(child),
        current_lead=current,
    )


@child_page(ChildNeed.BASIC, "Write a handover note")
def handover_note_new(request, child, rights):
    change = access.handover_to_write(request.user, child)
    if change is None:
        access.refuse(request, child, "write a handover note")
    previous, lead = change
    form = HandoverNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.handover_note_write(
                actor=request.user, child=child, from_lead=previous, to_lead=lead, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"Your handover note has been left for {lead.practitioner.full_name}")
            return redirect(child.get_absolute_url() + "#team")
    return _render(request, "children/handover_note_new.html", child, rights, form=form, lead=lead)


@require_POST
@child_page(ChildNeed.BASIC, "Mark a handover note as read")
def handover_note_read(request, child, rights, note_id):
    note = access.handover_notes_for(request.user, child).filter(pk=note_id).first()
    if note is None:
        access.refuse(request, child, f"handover note #{note_id}")
    services.handover_note_mark_read(actor=request.user, note=note)
    return redirect(child.get_absolute_url() + "#team")


@child_page(ChildNeed.EDIT, "Record consent")
def consent_new(request, child, rights):
    form = ConsentForm(request.POST or None, agencies=selectors.team_agencies(child))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        included = data.pop("agencies_included")
        excluded = data.pop("agencies_excluded")
        services.consent_record(
            actor=request.user, child=child, agencies_included=included, agencies_excluded=excluded, **data
        )
        messages.success(request, "The consent has been recorded. It now governs sharing for this child")
        return redirect(_caf_page_asking_for_consent(request, child) or child.get_absolute_url() + "#consent")
    return _render(request, "children/consent_new.html", child, rights, form=form)


def _caf_page_asking_for_consent(request, child) -> str | None:
    """The CAF's check-your-answers page, when the practitioner came from it (`?caf=<id>` of this child's CAF)."""
    caf = selectors.caf_of(child, request.GET.get("caf", ""))
    return reverse("caf-check-answers", args=[caf.pk]) if caf else None


@child_page(ChildNeed.EDIT, "Confirm consent for an agency")
def consent_confirm(request, child, rights):
    consent = child.current_consent
    if consent is None or consent.is_withdrawn:
        messages.error(request, "There is no consent in force to confirm: record the family's consent")
        return redirect(child.get_absolute_url() + "#consent")
    form = ConsentConfirmForm(request.POST or None, agencies=selectors.agencies_consent_may_be_confirmed_for(child))
    if request.method == "POST" and form.is_valid():
        try:
            coverage = services.consent_confirm_for_agency(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"The family's consent now covers {coverage.agency.name}")
            return redirect(child.get_absolute_url() + "#consent")
    return _render(
        request,
        "children/consent_confirm.html",
        child,
        rights,
        form=form,
        consent=consent,
        uncovered=selectors.team_agencies_not_covered(child),
    )


@child_page(ChildNeed.EDIT, "Withdraw consent")
def consent_withdraw(request, child, rights, consent_id):
    consent = selectors.consent_of(child, consent_id)
    form = ConsentWithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                actor=request.user,
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "The withdrawal of consent has been recorded")
            return redirect(child.get_absolute_url() + "#consent")
    return _render(request, "children/consent_withdraw.html", child, rights, form=form, consent=consent)


@child_page(ChildNeed.EDIT, "Record a sharing decision")
def disclosure_new(request, child, rights):
    form = DisclosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_record(actor=request.user, child=child, **form.cleaned_data)
        except PermissionDenied as denied:
            form.add_error("basis", str(denied))
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "The sharing decision has been recorded")
            return redirect(child.get_absolute_url() + "#sharing")
    return _render(request, "children/disclosure_new.html", child, rights, form=form)


@child_page(ChildNeed.BASIC, "Record a safeguarding escalation")
def escalation_new(request, child, rights):
    form = EscalationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            escalation = services.escalation_record(actor=request.user, child=child, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            if escalation.social_care is None:
                messages.warning(
                    request,
                    "The escalation has been recorded, but no children's social care agency is set up to receive it: "
                    "ask your administrator to add one",
                )
            else:
                messages.success(
                    request,
                    f"The escalation to children's social care has been recorded. {escalation.social_care.name} "
                    "and the lead professional have been told",
                )
            return redirect(child)
    return _render(request, "children/escalation_new.html", child, rights, form=form)


@login_required
def escalation_decide(request, child_id, escalation_id):
    """Social care records its decision. Reached through social care's membership, not the child's record: once
    decided, social care's view of the child ends, and a second person deciding is told who decided first."""
    escalation = access.get_escalation_for_social_care(request, child_id, escalation_id)
    child = escalation.child
    if not escalation.is_pending:
        messages.info(request, str(services.AlreadyDecided(escalation)))
        return redirect("escalation-queue")
    form = EscalationDecisionForm(
        request.POST or None,
        deciders=selectors.social_care_members(escalation),
        initial={"decided_by": request.user.pk, "decided_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    with transaction.atomic():
        if request.method == "GET":
            services.access_event_record(
                request=request, child=child, action=AccessEvent.Action.VIEW, what="Record social care's decision"
            )
        if request.method == "POST" and form.is_valid():
            try:
                services.escalation_decide(actor=request.user, escalation=escalation, **form.cleaned_data)
            except services.AlreadyDecided as already:
                messages.info(request, str(already))
                return redirect("escalation-queue")
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                messages.success(
                    request,
                    "Social care's decision has been recorded. The practitioner who raised the concern and the lead "
                    "professional have been told",
                )
                return redirect("escalation-queue")
        rights = access.child_access(request.user, child)
        return _render(request, "children/escalation_decide.html", child, rights, form=form, escalation=escalation)


@login_required
def escalation_queue(request: HttpRequest) -> HttpResponse:
    """Children's social care's queue: escalations awaiting a decision (oldest clock first), then decided ones."""
    agencies = list(access.social_care_agencies_of(request.user))
    if not agencies:
        raise Http404("No such page")
    tab = "decided" if request.GET.get("tab") == "decided" else "awaiting"
    queue = selectors.escalation_queue_for(request.user, tab)
    page = peek_page(queue, request.GET.get("page"), 50)
    return render(
        request,
        "children/escalation_queue.html",
        {"page": page, "tab": tab, "agencies": agencies, "now": timezone.now()},
    )


@child_page(ChildNeed.VIEWERS, "Who has viewed this record")
def child_viewers(request, child, rights):
    return _render(request, "children/child_viewers.html", child, rights, events=selectors.viewers_of(child))


@child_page(ChildNeed.HISTORY, "Change history")
def child_history(request, child, rights):
    return _render(request, "children/child_history.html", child, rights, entries=selectors.child_history(child))


# --- Emergency access -----------------------------------------------------------------------------


@login_required
@require_POST
def emergency_access_request(request: HttpRequest) -> HttpResponse:
    """Break glass: a practitioner whose agency is not in the team, who found the child in the index, asks
    with a reason. Reached only through the match's token; every attempt is recorded."""
    token = request.POST.get("match", "")
    child = access.get_child_for_emergency(request, token)
    rights = access.child_access(request.user, child)
    if rights.may_view_basic:
        return redirect(child)
    form = EmergencyAccessForm(request.POST if "reason" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            services.emergency_access_grant(
                actor=request.user, child=child, reason=form.cleaned_data["reason"], request=request
            )
        except PermissionDenied:
            access.refuse_emergency_access(request, child, "not a member of an agency")
        messages.success(request, "You have emergency access to this record. It has been recorded with your reason")
        return redirect(child)
    access.record_emergency_attempt(request, child, "no reason given" if form.is_bound else "asked for the form")
    return render(request, "children/emergency_access.html", {"form": form, "match": token})


@login_required
@require_POST
def emergency_access_by_id(request: HttpRequest, child_id: int) -> HttpResponse:
    """The former address, which named the child by id. It answers 404 whatever the id, and records the attempt."""
    access.refuse_emergency_access(request, None, f"asked by id (#{child_id}) instead of from the child index")
