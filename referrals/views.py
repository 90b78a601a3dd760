from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from agencies import access, notifications
from agencies.models import Agency, User
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
    child, rights = access.get_child_for_user(request, child_id, "basic")
    my_agencies = list(
        access.agencies_of(request.user).filter(involvements__child=child, involvements__ended_on__isnull=True)
    )
    if not my_agencies:
        raise Http404("Only an agency in the team around the child can refer")
    form = ReferralForm(request.POST or None, my_agencies=Agency.objects.filter(pk__in=[a.pk for a in my_agencies]))
    if not access.may_share_caf(request.user, child):
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
        child_services.access_event_record(request=request, child=child, action=AccessEvent.Action.VIEW, what="Refer")
        return render(request, "referrals/referral_new.html", {"child": child, "rights": rights, "form": form})


@login_required
def referral_detail(request, referral_id: int):
    referral = access.get_referral_for_user(request, referral_id)
    user = request.user
    receiving = access.is_member(user, referral.to_agency_id)
    sending = access.is_member(user, referral.from_agency_id)
    shows_caf = access.may_read_shared_caf(user, referral)
    with transaction.atomic():
        child_services.access_event_record(
            request=request, child=referral.child, action=AccessEvent.Action.VIEW, what=f"Referral #{referral.pk}"
        )
        notifications.mark_read(user, link=referral.get_absolute_url())
        return render(
            request,
            "referrals/referral_detail.html",
            {
                "referral": referral,
                "child": referral.child,
                "chain": referral.chain(),
                "may_answer": receiving and referral.status == Referral.Status.SENT,
                "may_complete": receiving and referral.status == Referral.Status.ACCEPTED,
                "may_withdraw": sending and referral.status == Referral.Status.SENT,
                "caf_answers": answers(referral.caf) if shows_caf else None,
                "child_visible": access.child_access(user, referral.child).may_view_basic,
            },
        )


def _answer_page(request, referral, template, form, title):
    return render(request, template, {"referral": referral, "child": referral.child, "form": form, "title": title})


@login_required
def referral_answer(request, referral_id: int, action: str):
    """Accept, decline, redirect, withdraw or complete. If someone got there first, say what happened."""
    referral = access.get_referral_for_user(request, referral_id)
    forms = {"decline": ReasonForm, "redirect": RedirectForm, "withdraw": ReasonForm, "complete": OutcomeForm}
    titles = {
        "accept": "Accept the referral",
        "decline": "Decline the referral",
        "redirect": "Redirect the referral",
        "withdraw": "Withdraw the referral",
        "complete": "Record the outcome",
    }
    if action not in titles:
        raise Http404("No such action")
    form_class = forms.get(action)
    form = form_class(request.POST or None) if form_class else None
    if action == "redirect":
        form.fields["to_agency"].queryset = Agency.objects.filter(is_active=True).exclude(
            pk__in=[referral.to_agency_id, referral.from_agency_id]
        )
    if request.method == "POST" and (form is None or form.is_valid()):
        data = form.cleaned_data if form else {}
        try:
            if action == "accept":
                services.referral_accept(actor=request.user, referral=referral)
            elif action == "decline":
                services.referral_decline(actor=request.user, referral=referral, reason=data["reason"])
            elif action == "redirect":
                services.referral_redirect(
                    actor=request.user, referral=referral, to_agency=data["to_agency"], reason=data["reason"]
                )
            elif action == "withdraw":
                services.referral_withdraw(actor=request.user, referral=referral, reason=data["reason"])
            else:
                services.referral_complete(actor=request.user, referral=referral, outcome=data["outcome"])
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
            done = {
                "accept": f"You accepted the referral: {referral.to_agency.name} is now in the team around the child",
                "decline": "You declined the referral. The sender has been told why",
                "redirect": f"The referral has been redirected to {data.get('to_agency')}",
                "withdraw": "You withdrew the referral",
                "complete": "The outcome has been recorded",
            }
            messages.success(request, done[action])
            return redirect(referral)
    if request.method == "GET" and form is None:
        return redirect(referral)
    return _answer_page(request, referral, "referrals/referral_answer.html", form, titles[action])


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
