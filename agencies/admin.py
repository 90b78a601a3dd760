from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, Membership, SignInEvent, User


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History is evidence: administrators can read it but never revert to an earlier version."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # SIMPLE_HISTORY_REVERT_DISABLED hides the button; refusing the POST makes it so.
        if request.method == "POST":
            raise PermissionDenied("History is read-only")
        return super().history_form_view(request, object_id, version_id, extra_context)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["agency", "role", "started_on", "ended_on"]
    autocomplete_fields = ["agency"]


@admin.register(User)
class UserAdmin(ReadOnlyHistoryAdmin, DjangoUserAdmin):
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


@admin.register(Agency)
class AgencyAdmin(ReadOnlyHistoryAdmin, GuardedModelAdmin):
    list_display = ["name", "kind", "sector", "postcode", "is_active"]
    list_filter = ["kind", "sector", "is_active"]
    search_fields = ["name", "postcode"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyHistoryAdmin):
    list_display = ["user", "agency", "role", "started_on", "ended_on"]
    list_filter = ["role", "agency"]
    search_fields = ["user__full_name", "user__email", "agency__name"]
    autocomplete_fields = ["user", "agency"]


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
