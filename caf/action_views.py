"""The pages an action's owner works from: the action itself (without the CAF), the agencies' work queues
and a manager giving a queued action to a practitioner. Access is decided by `agencies.access`
(`get_action_for_owner`); every page about an action is recorded with its access event."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from agencies import access
from agencies.access import ActionNeed
from children import services as child_services
from children.models import AccessEvent
from config.pagination import peek_page

from . import selectors, services
from .forms import ActionAssignForm, ActionProgressForm


def action_page(need: ActionNeed, what: str):
    """Fetch the action through the access module (404 and a recorded refusal otherwise), then serve the
    page in one transaction with the record of the view."""
    ActionNeed.check(need)  # a mistyped need fails when the module is imported, not on a request

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, action_id, *args, **kwargs):
            action, rights = access.get_action_for_owner(request, action_id, need)
            with transaction.atomic():
                if request.method == "GET":
                    child_services.access_event_record(
                        request=request,
                        child=action.assessment.child,
                        action=AccessEvent.Action.VIEW,
                        what=f"Action #{action.pk}: {what}",
                    )
                return view(request, action, rights, *args, **kwargs)

        return wrapper

    return decorator


@action_page(ActionNeed.VIEW, "the action")
def action_detail(request, action, rights):
    """The action as its owner needs it: what, why, by when, the outcome wanted, notes, whom to contact."""
    form = ActionProgressForm(request.POST or None, initial={"status": action.status})
    if request.method == "POST":
        if not rights.may_update:
            raise Http404("No such action")
        if form.is_valid():
            services.action_progress(actor=request.user, action=action, **form.cleaned_data)
            messages.success(request, "Progress has been recorded")
            return redirect("action-detail", action.pk)
    context = {"action": action, "child": action.assessment.child, "rights": rights, "form": form}
    return render(request, "caf/action_detail.html", {**context, **selectors.action_page(action)})


@action_page(ActionNeed.ASSIGN, "give to a practitioner")
def action_assign(request, action, rights):
    form = ActionAssignForm(
        request.POST or None,
        members=selectors.members_of(action.owner_agency),
        initial={"owner": action.owner_id} if action.owner_id else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_assign(actor=request.user, action=action, owner=form.cleaned_data["owner"])
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            owner = form.cleaned_data["owner"]
            messages.success(request, f"The action has been given to {owner.full_name}")
            return redirect("action-queue")
    context = {"action": action, "child": action.assessment.child, "rights": rights, "form": form}
    return render(request, "caf/action_assign.html", context)


@login_required
def action_queue(request):
    """The work queue of the user's agencies: actions given to an agency as a whole, awaiting a named owner."""
    page = peek_page(selectors.actions_queued_for(request.user), request.GET.get("page"), 50)
    managed = set(access.agencies_managed_by(request.user).values_list("pk", flat=True))
    for action in page.object_list:
        action.may_assign = action.owner_agency_id in managed
    return render(request, "caf/action_queue.html", {"page": page})
