from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config.client import client_address
from config.pagination import peek_page

from . import access, notifications, selectors, services, throttle
from .forms import (
    AgencyForm,
    MemberAddForm,
    MemberRoleForm,
    NotificationPreferenceForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    SetPasswordForm,
    SignInForm,
)
from .models import Membership, Notification, SignInEvent, User
from .signals import axes_username, record_sign_in_event

# --- Signing in and out ---------------------------------------------------------------------------


def throttle_message(refusal: throttle.Refusal) -> str:
    wait = f"{refusal.retry_after} seconds" if refusal.retry_after < 120 else f"{-(-refusal.retry_after // 60)} minutes"
    if refusal.reason == "address":
        return f"There have been too many failed sign-ins from your network. Try again in {wait}"
    return f"There have been several failed sign-ins to this account. Wait {wait}, then try again"


class SignInView(auth_views.LoginView):
    template_name = "registration/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timed_out"] = self.request.GET.get("timed_out") == "1"
        return context

    def post(self, request, *args, **kwargs):
        email = axes_username(request)
        refusal = throttle.sign_in_refusal(email, client_address(request))
        if refusal is None:
            return super().post(request, *args, **kwargs)
        # Not tried at all (the password is not checked, so waiting costs the guesser, not the account).
        record_sign_in_event(SignInEvent.Kind.THROTTLED, request, User.objects.filter(email=email).first(), email)
        form = self.get_form_class()(request, initial={"username": email})
        form.cleaned_data = {}
        form.add_error(None, throttle_message(refusal))
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        response["Retry-After"] = str(refusal.retry_after)
        return response


class SignOutView(auth_views.LogoutView):
    next_page = reverse_lazy("signed-out")


def signed_out(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signed_out.html")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        email = form.cleaned_data["email"].replace("\x00", "").strip().lower()
        user = User.objects.filter(email=email).first()
        refused = throttle.reset_refusal(email, client_address(self.request))
        if refused == "address":
            record_sign_in_event(SignInEvent.Kind.RESET_REFUSED, self.request, user, email)
            form.add_error(None, "Too many reset links have been asked for from your network. Try again in an hour")
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        if refused == "account":
            # Said as if sent: the page must not tell a stranger that the account exists or is being reset.
            record_sign_in_event(SignInEvent.Kind.RESET_REFUSED, self.request, user, email)
            return redirect(self.get_success_url())
        record_sign_in_event(SignInEvent.Kind.RESET_REQUESTED, self.request, user, email)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "registration/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.sessions_end(user=form.user, current_key=None)  # every session, wherever it is
        record_sign_in_event(SignInEvent.Kind.PASSWORD_RESET, self.request, form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        messages.success(self.request, "Your password has been changed")
        response = super().form_valid(form)
        # A new password ends every other session of the account (the old password may be why it was changed).
        services.sessions_end(user=form.user, current_key=self.request.session.session_key)
        record_sign_in_event(SignInEvent.Kind.PASSWORD_CHANGED, self.request, form.user)
        return response


@login_required
@require_POST
def session_keep_alive(request: HttpRequest) -> JsonResponse:
    """Called by the time-out warning's "Stay signed in": the middleware has already renewed the session."""
    return JsonResponse({"ok": True})


# --- My profile --------------------------------------------------------------------------------------


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.profile_update(actor=request.user, user=request.user, **form.cleaned_data)
        messages.success(request, "Your profile has been updated")
        return redirect("profile")
    return render(
        request,
        "agencies/profile_edit.html",
        {"form": form, "memberships": selectors.memberships_of(request.user)},
    )


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Where the user is signed in, and a button to end any other session (or all of them)."""
    if request.method == "POST":
        everything = request.POST.get("end") == "all-others"
        ended = services.sessions_end(
            user=request.user,
            current_key=request.session.session_key,
            handle=None if everything else request.POST.get("end", ""),
        )
        if ended:
            said = "Signed out of every other session" if everything else "Signed out of that session"
            messages.success(request, said)
        return redirect("sessions")
    sessions = selectors.sessions_of(request.user, request.session.session_key)
    return render(request, "agencies/sessions.html", {"sessions": sessions, "others": len(sessions) - 1})


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    form = NotificationPreferenceForm(
        request.POST or None, initial={"notification_email": request.user.notification_email}
    )
    if request.method == "POST" and form.is_valid():
        services.notification_preference_update(
            actor=request.user, user=request.user, notification_email=form.cleaned_data["notification_email"]
        )
        messages.success(request, "Your choice of notification emails has been saved")
        return redirect("notifications")
    return render(
        request,
        "agencies/notification_preferences.html",
        {"form": form, "digest_hour": settings.NOTIFICATION_DIGEST_HOUR},
    )


# --- Notifications --------------------------------------------------------------------------------

NOTIFICATIONS_PER_PAGE = 50


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = peek_page(selectors.notifications_for(request.user), request.GET.get("page"), NOTIFICATIONS_PER_PAGE)
    return render(request, "agencies/notifications.html", {"page": page, "notifications": page.object_list})


@login_required
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link, marking it read. Only its own user can: anyone else gets 404."""
    note = get_object_or_404(Notification, pk=notification_id, user=request.user)
    notifications.mark_read(request.user, notification=note)
    if not url_has_allowed_host_and_scheme(note.link, allowed_hosts=None):
        return redirect("notifications")  # notify() only stores paths inside the product; this is a guard
    return redirect(note.link)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.mark_read(request.user)
    if count:
        messages.success(request, "All your notifications are marked as read")
    return redirect("notifications")


# --- Agencies -------------------------------------------------------------------------------------


@login_required
def agency_list(request: HttpRequest) -> HttpResponse:
    return render(request, "agencies/agency_list.html", {"agencies": selectors.agencies_for_list()})


@login_required
def agency_detail(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_user(request.user, agency_id)
    may_manage = access.may_manage_agency(request.user, agency)
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "members": selectors.agency_members(agency),
            "may_manage": may_manage,
            "admin_changes": selectors.admin_membership_changes(agency) if may_manage else [],
            "admin_changes_days": selectors.ADMIN_CHANGES_SHOWN_DAYS,
        },
    )


@login_required
def agency_history(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_user(request.user, agency_id)
    return render(
        request, "agencies/agency_history.html", {"agency": agency, "entries": selectors.agency_history(agency)}
    )


@login_required
def agency_edit(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    form = AgencyForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        services.agency_update(actor=request.user, agency=agency, **form.cleaned_data)
        messages.success(request, "The agency's details have been updated")
        return redirect(agency)
    return render(request, "agencies/agency_edit.html", {"agency": agency, "form": form})


@login_required
def member_add(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_add(actor=request.user, agency=agency, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{membership.user.full_name} has been added to {agency.name}")
            return redirect(agency)
    return render(request, "agencies/member_add.html", {"agency": agency, "form": form})


@login_required
def member_change_role(request: HttpRequest, agency_id: int, membership_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    membership = access.get_membership_for_manager(request.user, agency, membership_id)
    form = MemberRoleForm(request.POST or None, initial={"role": membership.role})
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change_role(actor=request.user, membership=membership, role=form.cleaned_data["role"])
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            role = Membership.Role(form.cleaned_data["role"]).label.lower()
            messages.success(request, f"{membership.user.full_name} is now a {role}")
            return redirect(agency)
    return render(
        request, "agencies/member_change_role.html", {"agency": agency, "membership": membership, "form": form}
    )


@login_required
def member_end(request: HttpRequest, agency_id: int, membership_id: int) -> HttpResponse:
    agency = access.get_agency_for_manager(request.user, agency_id)
    membership = access.get_membership_for_manager(request.user, agency, membership_id)
    error = None
    if request.method == "POST":
        try:
            services.membership_end(actor=request.user, membership=membership)
        except ValidationError as e:
            error = e.messages[0]
        else:
            messages.success(request, f"{membership.user.full_name} is no longer a member of {agency.name}")
            return redirect(agency)
    return render(request, "agencies/member_end.html", {"agency": agency, "membership": membership, "error": error})
