"""The published directory's PDF: what it shows, how a large one is laid out in parts and joined, and asking
for one. Rendered by the shared pipeline (config/documents/), which calls `DirectoryDocument` for jobs of
kind "directory"."""

import hashlib

from django.conf import settings
from django.template.loader import render_to_string

from config.documents import kinds, rendering
from config.documents import services as document_services
from config.documents.models import DocumentJob

from .models import DirectoryVersion
from .selectors import version_content


def directory_context(version, content: dict | None = None) -> dict:
    """The published directory grouped by type of service, each entry once, under its first type (`content`:
    the version's, if already read)."""
    content = version.content if content is None else content
    groups: dict[str, list[dict]] = {}
    for section in content.get("sections", []):
        for entry in section.get("entries", []):
            if entry.get("type_names"):
                heading = entry["type_names"][0]
            elif entry.get("kind") == "practitioner":
                heading = "People you can talk to"
            else:
                heading = "Other services"
            groups.setdefault(heading, []).append(entry)
    ordered = sorted(
        groups.items(), key=lambda item: (item[0] in ("People you can talk to", "Other services"), item[0])
    )
    return {
        "version": version,
        "content": content,
        "groups": [
            {"heading": heading, "anchor": f"group-{i}", "entries": sorted(items, key=lambda e: e["name"].lower())}
            for i, (heading, items) in enumerate(ordered, start=1)
        ],
        "total": sum(len(items) for items in groups.values()),
    }


def directory_parts(context: dict, part_size: int) -> list[list[tuple[int, int]]]:
    """How a directory is laid out in parts: for each part, its (group index, entry index) pairs, in
    document order, `part_size` entries a part. One part when the directory is no larger than that."""
    flat = [(g, e) for g, group in enumerate(context["groups"]) for e in range(len(group["entries"]))]
    return [flat[i : i + part_size] for i in range(0, len(flat), part_size)] or [[]]


def directory_part_context(context: dict, part: list[tuple[int, int]]) -> dict:
    """The groups of one part: the entries it lays out, and whether each group's heading starts in it."""
    groups = []
    for g, e in part:
        group = context["groups"][g]
        if not groups or groups[-1]["index"] != g:
            groups.append({**group, "index": g, "starts_here": e == 0, "entries": []})
        groups[-1]["entries"].append(group["entries"][e])
    return {**context, "groups": groups}


def _directory_context(job) -> dict:
    """The directory a job shows. Its content (megabytes of JSON at 5,000 services, 0.1 s to read and decode) is
    read through directory.selectors.version_content, which keeps a published version's content decoded in each
    process: every part of a directory laid out in parts, and the join, would otherwise read it again."""
    version = DirectoryVersion.objects.defer("content").get(pk=job.directory_version_id)
    return directory_context(version, version_content(version))


def directory_job_context(job) -> dict:
    return {**rendering.job_context(job), **_directory_context(job)}


def render_directory_part(context: dict, part: list[tuple[int, int]]) -> rendering.RenderedDocument:
    """One part of a large directory, laid out without page numbers (see join_directory)."""
    return rendering.html_to_pdf(
        render_to_string("directory/pdf/directory_part.html", directory_part_context(context, part))
    )


def join_directory(context: dict, parts: list[list[tuple[int, int]]], part_files: list) -> rendering.RenderedDocument:
    """The whole directory from its parts (each a PDF's bytes or file): the front pages (title, contents with
    each group's page, known now), every part in order with its tagged structure, bookmarks and links, then
    "Page N of M" on every page."""
    from config.documents import pdf_join  # pikepdf: loaded by the workers that join, not by every process

    opened = [pdf_join.open_pdf(source) for source in part_files]  # each part opened once
    starts = {}  # group index -> (part number, its anchor's page in the part)
    for number, (part, pdf) in enumerate(zip(parts, opened, strict=True)):
        pages = pdf_join.named_destination_pages(pdf)
        for group in directory_part_context(context, part)["groups"]:
            if group["starts_here"]:
                starts[group["index"]] = (number, pages.get(group["anchor"], 0))
    part_pages = [len(pdf.pages) for pdf in opened]
    front_pages = 1
    for _ in range(3):  # the contents' page numbers depend on how many pages the front takes
        first_page = [front_pages + sum(part_pages[:n]) + 1 for n in range(len(parts))]
        groups = [
            {**group, "page": first_page[starts[g][0]] + starts[g][1] if g in starts else ""}
            for g, group in enumerate(context["groups"])
        ]
        front = rendering.html_to_pdf(
            render_to_string("directory/pdf/directory_front.html", {**context, "groups": groups})
        )
        if front.page_count == front_pages:
            break
        front_pages = front.page_count
    total = front.page_count + sum(part_pages)
    content = pdf_join.join(front.content, opened, rendering.page_number_pieces(total))
    return rendering.RenderedDocument(content, total, hashlib.sha256(content).hexdigest(), front.refused_urls)


def directory_pdf_request(*, version: DirectoryVersion, actor=None) -> DocumentJob:
    """A job for a published directory version's PDF; a published version never changes, so one file serves all."""
    return document_services.document_request(
        actor=actor, lookup={"kind": DocumentJob.Kind.DIRECTORY, "directory_version_id": version.pk}
    )


class DirectoryDocument(kinds.Document):
    """Whole when it has no more entries than DOCUMENT_DIRECTORY_PART_SIZE; else laid out in parts of that many
    entries by several workers, then joined."""

    kind = DocumentJob.Kind.DIRECTORY
    # directory-2: a directory joined from parts has its page numbers as artifacts; before, they were tagged
    # with MCIDs that pointed nowhere.
    template_version = "directory-2"

    def render(self, job, base: dict) -> rendering.RenderedDocument:
        html = render_to_string("directory/pdf/directory.html", {**base, **_directory_context(job)})
        return rendering.html_to_pdf(html)

    def parts(self, job, context: dict | None = None) -> list:
        context = context or directory_job_context(job)
        return directory_parts(context, settings.DOCUMENT_DIRECTORY_PART_SIZE)

    def render_part(self, job, base: dict, number: int) -> rendering.RenderedDocument:
        context = {**base, **_directory_context(job)}
        return render_directory_part(context, self.parts(job, context)[number])

    def join(self, job, base: dict, part_files: list) -> rendering.RenderedDocument:
        context = {**base, **_directory_context(job)}
        return join_directory(context, self.parts(job, context), part_files)
