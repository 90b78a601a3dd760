"""Accounts, agencies and memberships for platform administrators.

Case data never renders here: nothing that case data depends on can be deleted (deleting lists the
related objects by name, and would cascade into records), so agencies and accounts are deactivated
and memberships ended instead. Grants only ever follow memberships: there is no object-permissions
page and no group editing; an administrator cannot give himself a membership, and every membership
change made here is recorded as such and shown to the agency's managers on its page.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from config.history import acted_by

from . import notifications
from .models import ADMIN_SITE_CHANGE, Agency, Membership, SignInEvent, User

# Each agency's group holds its members, kept in step by the membership receiver: never edited by hand.
admin.site.unregister(Group)


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History is evidence: administrators can read it but never revert to an earlier version."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # SIMPLE_HISTORY_REVERT_DISABLED hides the button; refusing the POST makes it so.
        if request.method == "POST":
            raise PermissionDenied("History is read-only")
        return super().history_form_view(request, object_id, version_id, extra_context)


class NoDeletingAdmin(ReadOnlyHistoryAdmin):
    """Case data depends on these rows: they are deactivated or ended, never deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


def _is_own_account(request, user) -> bool:
    return user is not None and user.pk == request.user.pk


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["agency", "role", "started_on", "ended_on"]
    autocomplete_fields = ["agency"]
    can_delete = False

    # On the administrator's own account the memberships are shown, never changed.
    def has_add_permission(self, request, obj=None):
        return not _is_own_account(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _is_own_account(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(NoDeletingAdmin, DjangoUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "job_title", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff"]
    search_fields = ["full_name", "email"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name", "job_title", "phone", "role_outline", "availability"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined"]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        for membership in formset.save(commit=False):
            _mark_admin_change(request, membership)
            membership.save()
            _tell_managers(request, membership)
        formset.save_m2m()


def _mark_admin_change(request, membership: Membership) -> None:
    if _is_own_account(request, membership.user):
        raise PermissionDenied("You cannot add or change your own membership")
    # The agency's page shows its managers every membership change recorded with this reason.
    acted_by(membership, request.user, reason=ADMIN_SITE_CHANGE)


def _tell_managers(request, membership: Membership) -> None:
    """Notify the agency's managers (in the product and by email) of a membership change made here."""
    change = membership.history.order_by("-history_id").first()
    state = "ended" if membership.ended_on else f"now a {membership.get_role_display().lower()}"
    notifications.notify(
        event=notifications.Event.MEMBERSHIP_CHANGED,
        recipients=notifications.agency_managers(membership.agency),
        occurrence=f"membership-admin:{change.history_id if change else membership.pk}",
        text=(
            f"{request.user.full_name} changed {membership.user.full_name}'s membership of "
            f"{membership.agency.name} in the administration site: {state}"
        ),
        link=reverse("agency-detail", args=[membership.agency_id]),
        actor=request.user,
    )


@admin.register(Agency)
class AgencyAdmin(NoDeletingAdmin):
    list_display = ["name", "kind", "sector", "postcode", "is_active"]
    list_filter = ["kind", "sector", "is_active"]
    search_fields = ["name", "postcode"]


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "agency", "role", "started_on", "ended_on"]

    def clean(self):
        cleaned = super().clean()
        if _is_own_account(self.request, cleaned.get("user")):
            self.add_error(
                "user",
                "You cannot add or change your own membership: another administrator or the agency's manager must",
            )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(NoDeletingAdmin):
    form = MembershipAdminForm
    list_display = ["user", "agency", "role", "started_on", "ended_on"]
    list_filter = ["role", "agency"]
    search_fields = ["user__full_name", "user__email", "agency__name"]
    autocomplete_fields = ["user", "agency"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and _is_own_account(request, obj.user)) and super().has_change_permission(
            request, obj
        )

    def save_model(self, request, obj, form, change):
        _mark_admin_change(request, obj)
        super().save_model(request, obj, form, change)
        _tell_managers(request, obj)


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "email", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["email"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
