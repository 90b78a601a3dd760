"""Reference data (the 19 elements' wording), for administrators. No case data: an assessment cannot be
opened here. (The CAF's PDF jobs are in config/documents/admin.py.)"""

from django.contrib import admin

from agencies.admin import ReadOnlyHistoryAdmin

from .models import Element


@admin.register(Element)
class ElementAdmin(ReadOnlyHistoryAdmin):
    """Re-word an element or its prompt; the national set of 19 cannot grow or shrink."""

    list_display = ["name", "domain", "order"]
    list_filter = ["domain"]
    search_fields = ["name", "prompt"]
    fields = ["domain", "code", "name", "order", "prompt"]
    # The code names each assessor's saved text; the domain places the element in the national order.
    readonly_fields = ["domain", "code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
