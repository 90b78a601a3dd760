from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from agencies import access
from agencies.access import ChildNeed
from agencies.models import User
from caf.selectors import answers
from children import services as child_services
from children.models import AccessEvent
from config.context_processors import UnreadCount
from config.pagination import peek_page

from . import selectors, services
from .forms import InboxFilterForm, OutcomeForm, ReasonForm, RedirectForm, ReferralForm
from .models import Referral


@login_required
def referral_new(request, child_id: int):
    child, rights = access.get_child_for_user(request, child_id, ChildNeed.BASIC)
    my_agencies = access.agencies_that_may_refer(request.user, child)
    if not my_agencies:
        raise Http404("Only an agency in the team around the child can refer")
    form = ReferralForm(request.POST or None, my_agencies=my_agencies)
    if not access.may_share_caf(request.user, child, rights):
        del form.fields["share_caf"]  # offer only what this practitioner may pass on
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_send(actor=request.user, child=child, **form.cleaned_data)
        except PermissionDenied as denied:
            form.add_error("basis", str(denied))
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"Your referral has been sent to {referral.to_agency.name}")
            return redirect(referral)
    with transaction.atomic():
        child_services.access_event_record(
            request=request, child=child, action=AccessEvent.Action.VIEW, what="Refer", rights=rights
        )
        return render(request, "referrals/referral_new.html", {"child": child, "rights": rights, "form": form})


@login_required
def referral_detail(request, referral_id: int):
    referral, rights = access.get_referral_for_user(request, referral_id)
    with transaction.atomic():
        services.referral_opened(request=request, referral=referral, rights=rights)
        return render(
            request,
            "referrals/referral_detail.html",
            {
                "referral": referral,
                "child": referral.child,
                "chain": referral.chain(),
                "may_answer": rights.may_answer,
                "may_complete": rights.may_complete,
                "may_withdraw": rights.may_withdraw,
                "caf_answers": answers(referral.caf) if rights.may_see_shared_caf else None,
                "child_visible": rights.may_see_child,
            },
        )


@dataclass(frozen=True)
class Answer:
    """One of the five things done to a referral from its page: the page's title, the form (None: a button
    alone), the service that does it (given the actor, the referral, the actor's rights on it and the form's
    data) and what the person is told once it is done."""

    title: str
    service: Callable
    form: type | None
    done: Callable[[Referral, dict], str]
    prepare: Callable | None = None  # fits the form to the referral


def _offer_redirect_targets(form, referral):
    form.fields["to_agency"].queryset = selectors.redirect_targets(referral)


ANSWERS = {
    "accept": Answer(
        "Accept the referral",
        services.referral_accept,
        None,
        lambda referral, data: (
            f"You accepted the referral: {referral.to_agency.name} is now in the team around the child"
        ),
    ),
    "decline": Answer(
        "Decline the referral",
        services.referral_decline,
        ReasonForm,
        lambda referral, data: "You declined the referral. The sender has been told why",
    ),
    "redirect": Answer(
        "Redirect the referral",
        services.referral_redirect,
        RedirectForm,
        lambda referral, data: f"The referral has been redirected to {data.get('to_agency')}",
        prepare=_offer_redirect_targets,
    ),
    "withdraw": Answer(
        "Withdraw the referral",
        services.referral_withdraw,
        ReasonForm,
        lambda referral, data: "You withdrew the referral",
    ),
    "complete": Answer(
        "Record the outcome",
        services.referral_complete,
        OutcomeForm,
        lambda referral, data: "The outcome has been recorded",
    ),
}


@login_required
def referral_answer(request, referral_id: int, action: str):
    """Accept, decline, redirect, withdraw or complete (`ANSWERS`). If someone got there first, say what happened."""
    referral, rights = access.get_referral_for_user(request, referral_id)
    answer = ANSWERS.get(action)
    if answer is None:
        raise Http404("No such action")
    form = answer.form(request.POST or None) if answer.form else None
    if form is not None and answer.prepare:
        answer.prepare(form, referral)
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form else {}
        try:
            answer.service(actor=request.user, referral=referral, rights=rights, **data)
        except services.AlreadyAnswered as already:
            messages.error(request, str(already))
            return redirect(referral)
        except PermissionDenied:
            raise Http404("No such referral") from None
        except ValidationError as error:
            if form is None:
                messages.error(request, error.messages[0])
                return redirect(referral)
            form.add_validation_error(error)
        else:
            messages.success(request, answer.done(referral, data))
            return redirect(referral)
    if request.method == "GET" and form is None:
        return redirect(referral)
    return render(
        request,
        "referrals/referral_answer.html",
        {"referral": referral, "child": referral.child, "form": form, "title": answer.title},
    )


INBOX_PAGE_SIZE = 50


@login_required
def inbox(request):
    agencies = list(access.agencies_of(request.user))
    if not agencies:
        raise Http404("You are not a member of an agency")
    agency_id = request.GET.get("agency")
    agency = next((a for a in agencies if str(a.pk) == agency_id), agencies[0])
    tab = request.GET.get("tab", "awaiting")
    if tab not in selectors.TABS:
        tab = "awaiting"
    filters = InboxFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    referrals = selectors.inbox(
        agency, tab, criteria.get("urgency", ""), criteria.get("sent_from"), criteria.get("sent_to")
    )
    page = peek_page(referrals, request.GET.get("page"), INBOX_PAGE_SIZE)
    shown = list(dict.fromkeys(referral.child_id for referral in page.object_list))
    if shown:
        # The inbox names these children: one access event for the page view (issue 15).
        child_services.access_event_record(
            request=request,
            child=None,
            action=AccessEvent.Action.LIST,
            what=f"Referral inbox of {agency.name}, {tab}, page {page.number}"[:200],
            children_shown=shown,
            agency=agency,
        )
    # Each tab's count, whether the user manages an agency and the header's unread count: one query of one row.
    counts = (
        User.objects.filter(pk=request.user.pk)
        .values(
            **selectors.inbox_count_subqueries([agency.pk], selectors.TABS),
            manages_an_agency=Exists(access.agencies_managed_by(request.user)),
            unread=UnreadCount.subquery(request.user),
        )
        .get()
    )
    return render(
        request,
        "referrals/inbox.html",
        {
            "agency": agency,
            "agencies": agencies,
            "tab": tab,
            "tabs": [(key, label, counts[key]) for key, (label, _) in selectors.TABS.items()],
            "page": page,
            "form": filters,
            "manages_an_agency": counts["manages_an_agency"],
            "unread_notifications": UnreadCount(request.user, counts["unread"]),
        },
    )


@login_required
def sent(request):
    return render(request, "referrals/sent.html", {"referrals": selectors.sent_by(request.user)[:200]})


@login_required
def measures(request):
    managed = list(access.agencies_managed_by(request.user))
    if not managed:
        raise Http404("Only agency managers see response measures")
    agency = next((a for a in managed if str(a.pk) == request.GET.get("agency")), managed[0])
    days = {"30": 30, "90": 90, "365": 365}.get(request.GET.get("period", "90"), 90)
    until = timezone.localdate()
    since = until - timedelta(days=days)
    figures = selectors.measures(agency, since, until)
    bars = [
        ("Accepted", figures["accepted"]),
        ("Declined", figures["declined"]),
        ("Redirected", figures["redirected"]),
        ("Awaiting", figures["awaiting"]),
    ]
    return render(
        request,
        "referrals/measures.html",
        {
            "agency": agency,
            "managed": managed,
            "days": days,
            "since": since,
            "until": until,
            "figures": figures,
            "bars": [(label, value, round(value * 3)) for label, value in bars],
        },
    )
