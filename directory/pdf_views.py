"""The published directory's PDF (public, no sign-in): asked for, waited on and downloaded under
/directory/published/<slug>/versions/<n>/pdf/. Rendered by the shared pipeline (config/documents/); what it
shows is directory/documents.py."""

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from config.documents import rendering
from config.documents.models import DocumentJob

from . import documents
from .models import DirectoryVersion
from .selectors import version_content


def _published_version(slug: str, number: int):
    version = (
        DirectoryVersion.objects.select_related("directory__setting")
        .defer("content")  # the status page reads it through directory.selectors.version_content
        .filter(directory__slug=slug, number=number)
        .first()
    )
    if version is None:
        raise Http404("No such directory")
    return version


def directory_pdf(request, slug: str, number: int):
    """Public: the PDF of a published directory version; made once, then served to everyone."""
    version = _published_version(slug, number)
    job = documents.directory_pdf_request(version=version)
    if job.status == job.Status.READY and not request.htmx:
        return redirect("directory-pdf-download", slug, number)
    if request.htmx:
        return render(request, "directory/_pdf_status.html", {"job": job, "slug": slug, "number": number})
    return render(
        request,
        "directory/pdf_status.html",
        {"version": version, "content": version_content(version), "job": job, "slug": slug, "number": number},
    )


def directory_pdf_download(request, slug: str, number: int):
    version = _published_version(slug, number)
    job = (
        DocumentJob.objects.filter(
            kind=DocumentJob.Kind.DIRECTORY, directory_version_id=version.pk, status=DocumentJob.Status.READY
        )
        .order_by("-finished_at")
        .first()
    )
    if job is None or not rendering.file_path(job.file).is_file():
        return redirect("directory-pdf", slug, number)
    response = FileResponse(
        rendering.file_path(job.file).open("rb"),
        as_attachment=True,
        filename=f"{slug}-directory-version-{number}.pdf",
        content_type="application/pdf",
    )
    # Public and never changed once published, but kept out of shared caches like every document.
    response["Cache-Control"] = "no-store"
    return response
