"""The directory's two vocabularies, as reference data with stable identifiers.

The UUIDs are derived from the codes, so every installation (and every Open Referral feed it
publishes) gives the same term the same identifier.
"""

import uuid

from children.outcomes import EVERY_CHILD_MATTERS

NAMESPACE = uuid.UUID("6f1c1f2e-5a43-4d0b-9a55-2b8a3c7e0d11")

SERVICE_TYPES = [
    ("one_to_one", "One-to-one support", "Support given to a child or parent individually."),
    ("practical", "Practical support", "Help with everyday things: equipment, forms, transport, housing."),
    ("group", "Group support", "Groups, courses and drop-ins."),
    ("advice", "Advice and information", "Advice and information for children, families and practitioners."),
    ("outreach", "Outreach", "Work at home or in the community, not only at the agency's own base."),
    ("interpretation", "Interpretation", "Interpreting and translation."),
    ("gender_ethnic", "Gender or ethnic specific", "Services for a particular gender or ethnic group."),
    ("other", "Other", "Other kinds of support."),
]

OUTCOMES = [(outcome.code, outcome.name, outcome.summary) for outcome in EVERY_CHILD_MATTERS]

TAXONOMIES = [
    (
        "service_types",
        "Types of service",
        "The kinds of service an agency offers (agency information sheet).",
        SERVICE_TYPES,
    ),
    ("ecm_outcomes", "Every Child Matters outcomes", "The five Every Child Matters outcomes.", OUTCOMES),
]


def taxonomy_uuid(code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"taxonomy:{code}")


def term_uuid(taxonomy_code: str, code: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"term:{taxonomy_code}:{code}")


def seed(Taxonomy, TaxonomyTerm) -> None:
    """Create or refresh the vocabularies (takes the models, so a migration can pass its historical ones)."""
    for code, name, description, terms in TAXONOMIES:
        taxonomy, _ = Taxonomy.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "uuid": taxonomy_uuid(code)}
        )
        for position, (term_code, term_name, term_description) in enumerate(terms):
            TaxonomyTerm.objects.update_or_create(
                taxonomy=taxonomy,
                code=term_code,
                defaults={
                    "name": term_name,
                    "description": term_description,
                    "position": position,
                    "uuid": term_uuid(code, term_code),
                },
            )
