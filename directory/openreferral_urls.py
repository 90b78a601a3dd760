from django.urls import path

from . import openreferral_views as views

# Open Referral UK's paths have no trailing slash.
urlpatterns = [
    path("", views.api_root, name="openreferral-root"),
    path("services", views.service_list, name="openreferral-services"),
    path("services/<str:service_id>", views.service_detail, name="openreferral-service"),
    path("taxonomies", views.taxonomy_list, name="openreferral-taxonomies"),
    path("taxonomy_terms", views.taxonomy_term_list, name="openreferral-taxonomy-terms"),
]
