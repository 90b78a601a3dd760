"""A family with a team around the child, consent and a lead professional, for CAF tests.

The people and the family come from tests/personas.py (Wayne's cast: the `caf.` personas).
"""

from datetime import date

import pytest

from ..personas import caf_consent, emergency_access

# The `team` dictionary's keys, and the persona each one is.
TEAM = {
    "lead": "caf.lead",
    "hv_colleague": "caf.hv_colleague",
    "hv_manager": "caf.hv_manager",
    "assessor": "caf.assessor",
    "school_colleague": "caf.school_colleague",
    "housing": "caf.housing",
    "outsider": "outsider",
    "platform_admin": "platform_admin",
}


@pytest.fixture
def team(personas):
    """The Carter-like team: health visiting (lead), school (assessor), housing (excluded), an outsider."""
    hv, school, housing = (personas.agency(key) for key in ("caf.health_visiting", "caf.school", "caf.housing"))
    people = {name: personas(key) for name, key in TEAM.items()}
    child = personas.family(
        recorded_by="caf.lead",
        recording_agency="caf.health_visiting",
        details={
            "first_name": "Wayne",
            "last_name": "Carter",
            "date_of_birth": date(2021, 3, 14),
            "sex": "male",
        },
        involvements=[("caf.school", "School", None), ("caf.housing", "Housing", None)],
        consent=caf_consent(),
        consent_excluded=["caf.housing"],
        lead="caf.lead",
        lead_chosen_by=None,  # appoint_lead: the health visiting manager, with the family's agreement
        lead_agreed_on=date.today(),
    )
    people["emergency"] = personas("caf.emergency")
    people["emergency_expired"] = personas("caf.emergency_expired")
    emergency_access(child, people["emergency"], "Found alone at night")
    emergency_access(child, people["emergency_expired"], "Earlier incident", expired=True)
    return {"child": child, "hv": hv, "school": school, "housing": housing, **people}
