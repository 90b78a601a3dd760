"""The CAF's PDF copy: what it shows, when it has changed, and asking for one. Rendered by the shared pipeline
(config/documents/), which calls `CafDocument` for jobs of kind "caf"."""

import hashlib

from django.db.models import Max
from django.template.loader import render_to_string

from agencies.models import User
from children.models import Child, Consent, FamilyMember, Involvement, LeadProfessional
from config.documents import kinds, rendering
from config.documents import services as document_services
from config.documents.models import DocumentJob

from . import selectors
from .models import Action, Assessment, ProgressNote, Review, SectionEntry
from .sections import SECTIONS, element_key


def caf_context(assessment) -> dict:
    """Everything the CAF PDF shows, read fresh: the national order, all 19 elements, plan and latest review."""
    child = assessment.child
    entries = {e.key: e.data for e in assessment.entries.all()}
    sections = []
    for section in SECTIONS:
        data = entries.get(section.key, {})
        sections.append(
            {
                "spec": section,
                "rows": [(f.label, (data.get(f.name) or "").strip()) for f in section.fields],
            }
        )
    domains = []
    for label, items in selectors.elements_by_domain(assessment):
        rows = []
        for element, _entry in items:
            data = entries.get(element_key(element.code), {})
            rows.append(
                {
                    "element": element,
                    "strengths": (data.get("strengths") or "").strip(),
                    "needs": (data.get("needs") or "").strip(),
                }
            )
        domains.append({"label": label, "elements": rows})
    lead = LeadProfessional.objects.current_for(child)
    return {
        "assessment": assessment,
        "child": child,
        "sections": {s["spec"].key.replace("-", "_"): s for s in sections},
        "domains": domains,
        "family": FamilyMember.objects.filter(child=child).order_by("kind", "name"),
        "involvements": Involvement.objects.current().filter(child=child).select_related("agency", "practitioner"),
        "lead": lead,
        "consent": assessment.consent or child.current_consent,
        "actions": selectors.plan_actions(assessment),
        "review": assessment.reviews.prefetch_related("practitioners_present").first(),
    }


def caf_content_stamp(assessment: Assessment) -> str:
    """A fingerprint of the newest change to anything the CAF PDF shows."""
    child_id = assessment.child_id
    sources = [
        Assessment.history.filter(id=assessment.pk),
        SectionEntry.history.filter(assessment_id=assessment.pk),
        Action.history.filter(assessment_id=assessment.pk),
        ProgressNote.history.filter(action_id__in=Action.objects.filter(assessment=assessment).values("pk")),
        Review.history.filter(assessment_id=assessment.pk),
        Child.history.filter(id=child_id),
        FamilyMember.history.filter(child_id=child_id),
        Involvement.history.filter(child_id=child_id),
        LeadProfessional.history.filter(child_id=child_id),
        Consent.history.filter(child_id=child_id),
    ]
    latest = [str(q.aggregate(at=Max("history_date"))["at"]) for q in sources]
    return hashlib.sha256("|".join([assessment.status, *latest]).encode()).hexdigest()


def caf_pdf_request(*, actor: User, assessment: Assessment) -> DocumentJob:
    """A job for this CAF version's PDF: the ready or pending one if nothing has changed, else a new one queued
    after commit. The caller has checked the actor may read the CAF."""
    return document_services.document_request(
        actor=actor,
        lookup={"kind": DocumentJob.Kind.CAF, "assessment": assessment},
        content_stamp=caf_content_stamp(assessment),
    )


class CafDocument(kinds.Document):
    kind = DocumentJob.Kind.CAF
    template_version = "caf-2"

    def render(self, job, base: dict) -> rendering.RenderedDocument:
        assessment = Assessment.objects.select_related("child", "assessor", "assessor_agency").get(pk=job.assessment_id)
        return rendering.html_to_pdf(render_to_string("caf/pdf/caf.html", {**base, **caf_context(assessment)}))
