"""What "current" means, once: a membership, an involvement or a lead professional is current until its
`ended_on` is set. Every filter on it goes through here (`.current()`, `.past()`, or `current_via` for a
lookup through a relation), so the rule cannot drift between the places that ask."""

from django.db import models
from django.db.models import Q


def current_via(relation: str = "") -> Q:
    """Current rows, reached through `relation` ("memberships", "involvements", "lead_professionals"…)."""
    return Q(**{f"{relation}__ended_on__isnull" if relation else "ended_on__isnull": True})


class CurrentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(current_via())

    def past(self):
        return self.filter(ended_on__isnull=False)
