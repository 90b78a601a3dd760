"""Joining PDFs that WeasyPrint rendered in parts into one tagged PDF (pikepdf, on qpdf).

A large directory is laid out in parts by several workers. Each part is a tagged PDF/UA file of its own;
joining them keeps what makes the whole one accessible document:

- the structure tree: every part's elements go under the first file's one Document element, in order,
  with the parent tree's keys (pages' /StructParents, annotations' /StructParent) renumbered so they
  stay unique;
- named destinations (the contents list's links) and bookmarks (the outline), with their pages;
- the first file's catalogue: language, title shown, metadata, PDF/UA identification.

Page numbers ("Page N of M") cannot be known while the parts are laid out apart, so the parts are laid
out without them and an overlay of M pages, laid out by WeasyPrint as artifacts, is stamped on at the end.
"""

import io

import pikepdf
from pikepdf import Array, Dictionary, Name


def _pdf(content: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(content))


def _document_element(pdf: pikepdf.Pdf) -> Dictionary:
    kids = pdf.Root.StructTreeRoot.K
    return kids[0] if isinstance(kids, Array) else kids


def _parent_tree_pairs(pdf: pikepdf.Pdf) -> list[tuple[int, object]]:
    nums = pdf.Root.StructTreeRoot.ParentTree.get("/Nums", Array())
    return [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]


def _dest_pairs(pdf: pikepdf.Pdf) -> list[tuple[str, object]]:
    names = pdf.Root.get("/Names")
    dests = names.get("/Dests") if names is not None else None
    if dests is None:
        return []
    flat = dests.get("/Names", Array())
    return [(str(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)]


def _copy(out: pikepdf.Pdf, value):
    """`value` from another file, in `out`: an indirect object is copied; a direct array or dictionary is
    rebuilt from copies of what it holds (qpdf copies only indirect objects across files)."""
    if not isinstance(value, pikepdf.Object):
        return value
    if value.is_indirect:
        return out.copy_foreign(value)
    if isinstance(value, Array):
        return Array([_copy(out, item) for item in value])
    if isinstance(value, Dictionary):
        return Dictionary({key: _copy(out, item) for key, item in value.items()})
    return value


def _outline_items(pdf: pikepdf.Pdf, page_offset: int, page_index: dict) -> list[pikepdf.OutlineItem]:
    """A part's bookmarks, as new items pointing at the same places in the joined file."""

    def convert(item) -> pikepdf.OutlineItem:
        destination = item.destination
        kwargs = {}
        target = None
        if isinstance(destination, Array) and len(destination) >= 2:
            target = page_offset + page_index[destination[0].objgen]
            if str(destination[1]) == "/XYZ" and len(destination) >= 4:
                kwargs = {"left": float(destination[2]), "top": float(destination[3])}
        new = pikepdf.OutlineItem(item.title, target, "XYZ" if kwargs else "Fit", **kwargs)
        new.children.extend(convert(child) for child in item.children)
        return new

    with pdf.open_outline() as outline:
        return [convert(item) for item in outline.root]


def join(front: bytes, parts: list[bytes], overlay: bytes | None = None) -> bytes:
    """One tagged PDF: `front`'s pages then each part's, with `overlay`'s page i (if given) stamped on page i."""
    out = _pdf(front)
    root = out.Root.StructTreeRoot
    document = _document_element(out)
    pairs = _parent_tree_pairs(out)
    next_key = max((key for key, _ in pairs), default=-1) + 1
    dests = dict(_dest_pairs(out))
    outline_children: list[pikepdf.OutlineItem] = []

    for content in parts:
        part = _pdf(content)
        offset = len(out.pages)
        page_index = {page.obj.objgen: i for i, page in enumerate(part.pages)}
        key_shift = next_key
        # Pages first, so that copying the structure below maps its /Pg references to these copies.
        for page in part.pages:
            out.pages.append(page)
        for page in out.pages[offset:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + key_shift
            for annotation in page.obj.get("/Annots", Array()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + key_shift
        part_document = _document_element(part)
        children = part_document.K if isinstance(part_document.K, Array) else Array([part_document.K])
        for child in children:
            if isinstance(child, Dictionary) and "/P" in child:
                del child["/P"]  # otherwise copying would drag in the part's own tree root
        copied = [out.copy_foreign(child) if child.is_indirect else child for child in children]
        for child in copied:
            if isinstance(child, Dictionary):
                child.P = document
            document.K.append(child)
        part_pairs = _parent_tree_pairs(part)
        for key, value in part_pairs:
            pairs.append((key + key_shift, _copy(out, value)))
        next_key = max([next_key - 1, *(key + key_shift for key, _ in part_pairs)]) + 1
        for name, destination in _dest_pairs(part):
            dests[name] = _copy(out, destination)  # a part's anchor wins over the front's placeholder
        outline_children.extend(_outline_items(part, offset, page_index))

    nums = Array()
    for key, value in sorted(pairs, key=lambda pair: pair[0]):
        nums.append(key)
        nums.append(value)
    root.ParentTree = out.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = next_key
    if dests:
        flat = Array()
        for name in sorted(dests):
            flat.append(pikepdf.String(name))
            flat.append(dests[name])
        names = out.Root.get("/Names") or Dictionary()
        names.Dests = out.make_indirect(Dictionary(Names=flat))
        out.Root.Names = names

    if outline_children:
        with out.open_outline() as outline:
            # The parts' headings sit under the front's first heading (the document's title), as in one render.
            parent = outline.root[0].children if outline.root else outline.root
            parent.extend(outline_children)

    if overlay is not None:
        stamps = _pdf(overlay)
        if len(stamps.pages) != len(out.pages):
            raise ValueError(f"The page-number overlay has {len(stamps.pages)} pages for {len(out.pages)}")
        for page, stamp in zip(out.pages, stamps.pages, strict=True):
            page.add_overlay(stamp)

    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def page_count(content: bytes) -> int:
    return len(_pdf(content).pages)


def named_destination_pages(content: bytes) -> dict[str, int]:
    """Each named destination's page (0-based), e.g. where each group of a directory part starts."""
    pdf = _pdf(content)
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    return {name: index[dest[0].objgen] for name, dest in _dest_pairs(pdf) if isinstance(dest, Array)}


__all__ = ["join", "page_count", "named_destination_pages", "Name"]
