"""The bare page: what a plain Django page costs here, the yardstick every product page is measured against."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from agencies.models import Agency

BARE_ROWS = 50


@login_required
def bare_page(request):
    """A plain login_required page: one query for 50 rows, rendered through the same middleware and base
    template as every product page, with no access filter."""
    rows = Agency.objects.order_by("pk").values("name", "kind", "postcode", "phone")[:BARE_ROWS]
    return render(request, "bench/bare.html", {"rows": rows})
