"""Reading a PDF back with pypdf: its text, and whether it is tagged for assistive technology."""

import io

from pypdf import PdfReader


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_facts(content: bytes) -> dict:
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    images = 0
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        images += sum(1 for obj in xobjects.values() if obj.get_object().get("/Subtype") == "/Image")
    return {
        "pages": len(reader.pages),
        "tagged": "/StructTreeRoot" in catalog and bool(catalog.get("/MarkInfo", {}).get("/Marked")),
        "lang": str(catalog.get("/Lang", "")),
        "title": (reader.metadata or {}).get("/Title", ""),
        "display_title": bool(catalog.get("/ViewerPreferences", {}).get("/DisplayDocTitle")),
        "images": images,
    }
