"""Reference data only: the vocabularies. Agencies' entries and directories are edited in the service."""

from django.contrib import admin

from .models import Taxonomy, TaxonomyTerm


class TaxonomyTermInline(admin.TabularInline):
    model = TaxonomyTerm
    extra = 0
    fields = ["code", "name", "description", "position", "uuid"]
    readonly_fields = ["uuid"]


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    readonly_fields = ["uuid"]
    inlines = [TaxonomyTermInline]
