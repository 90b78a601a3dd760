"""Bench-only URLconf (bench.settings): the bare page, then every URL of the product unchanged."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/bare/", views.bare_page, name="bench-bare"),
    path("", include("config.urls")),
]
