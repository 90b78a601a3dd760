"""The CAF's PDF copies: asked for, waited on and downloaded. Rendered by the shared pipeline (config/documents/);
what a copy shows is caf/documents.py."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from agencies import access
from agencies.access import CafNeed
from children import services as child_services
from children.models import AccessEvent
from config.documents import rendering
from config.documents.models import DocumentJob

from . import documents
from .views import _render, caf_page

# --- PDF copies -------------------------------------------------------------------------------------
#
# The PDF is rendered by a worker (the shared pipeline, config/documents/; what it shows: caf/documents.py).
# Asking is a POST; the status page polls a fragment with htmx (marked as a background request, so polling
# does not keep an idle session alive) and has a plain "Refresh" link without JavaScript; the download is
# itself an access event.


def _pdf_job(assessment, job_id):
    return get_object_or_404(DocumentJob, pk=job_id, kind=DocumentJob.Kind.CAF, assessment=assessment)


@caf_page(CafNeed.READ, "ask for a PDF copy")
@require_POST
def pdf_request(request, assessment, rights):
    job = documents.caf_pdf_request(actor=request.user, assessment=assessment)
    return redirect("caf-pdf-status", assessment.pk, job.pk)


@caf_page(CafNeed.READ, "PDF copy")
def pdf_status(request, assessment, rights, job_id: int):
    return _render(request, "caf/pdf_status.html", assessment, rights, job=_pdf_job(assessment, job_id))


@login_required
def pdf_status_fragment(request, assessment_id: int, job_id: int):
    """htmx: the job's status alone. Authorised like every CAF page; not an access event, as it shows no
    information about the child and is asked for every two seconds by the page."""
    assessment, rights = access.get_assessment_for_user(request, assessment_id, CafNeed.READ)
    job = _pdf_job(assessment, job_id)
    return render(request, "caf/_pdf_status.html", {"assessment": assessment, "job": job, "rights": rights})


@login_required
def pdf_download(request, assessment_id: int, job_id: int):
    """The PDF file, as an attachment never cached, after recording the download as an access event."""
    assessment, rights = access.get_assessment_for_user(request, assessment_id, CafNeed.READ)
    job = _pdf_job(assessment, job_id)
    if job.status != DocumentJob.Status.READY:
        return redirect("caf-pdf-status", assessment.pk, job.pk)
    path = rendering.file_path(job.file)
    if not path.is_file():
        raise Http404("The file of this PDF is missing")
    with transaction.atomic():
        child_services.access_event_record(
            request=request,
            child=assessment.child,
            action=AccessEvent.Action.DOWNLOAD,
            what=f"CAF version {assessment.version}: PDF copy (document {job.pk})",
        )
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"caf-{assessment.child.reference}-version-{assessment.version}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
