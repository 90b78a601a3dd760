"""Joining PDFs that WeasyPrint rendered in parts into one tagged PDF (pikepdf, on qpdf).

A large directory is laid out in parts by several workers. Each part is a tagged PDF/UA file of its own;
joining them keeps what makes the whole one accessible document:

- the structure tree: every part's elements go under the first file's one Document element, in order,
  with the parent tree's keys (pages' /StructParents, annotations' /StructParent) renumbered so they
  stay unique;
- named destinations (the contents list's links) and bookmarks (the outline), with their pages;
- the first file's catalogue: language, title shown, metadata, PDF/UA identification.

Page numbers ("Page N of M") cannot be known while the parts are laid out apart. The parts are laid out
without them, and the join writes them on: WeasyPrint lays out, once, the pieces every number is made of
("Page ", each digit, " of M") where one render puts the number, and each page gets one line of text made
of the glyphs of the pieces it needs, marked as an artifact (see `PageNumberPieces`). That is a few small
operations a page; laying out an overlay of M pages instead cost WeasyPrint 14 s for 2,501 pages, growing
faster than the page count.

Everything here is linear in the pages: each part is opened once and copied with one call per kind of
object (pages, structure elements, parent tree, destinations), and streams are written as they are, not
decompressed and compressed again.
"""

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name


def open_pdf(content: "bytes | Path | pikepdf.Pdf") -> pikepdf.Pdf:
    """A PDF from its bytes or its file (read lazily by qpdf), or the one already open."""
    if isinstance(content, pikepdf.Pdf):
        return content
    if isinstance(content, (bytes, bytearray)):
        return pikepdf.open(io.BytesIO(content))
    return pikepdf.open(content)


def _document_element(pdf: pikepdf.Pdf) -> Dictionary:
    kids = pdf.Root.StructTreeRoot.K
    return kids[0] if isinstance(kids, Array) else kids


def _parent_tree_pairs(nums) -> list[tuple[int, object]]:
    return [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]


def _dests(pdf: pikepdf.Pdf):
    names = pdf.Root.get("/Names")
    return names.get("/Dests") if names is not None else None


def _dest_pairs(dests) -> list[tuple[str, object]]:
    if dests is None:
        return []
    flat = dests.get("/Names", Array())
    return [(str(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)]


def _copy(out: pikepdf.Pdf, value):
    """`value` from another file, in `out`: an indirect object is copied (with everything it refers to, in one
    call); a direct array or dictionary is rebuilt from copies of what it holds (qpdf copies only indirect
    objects across files)."""
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


def join(front, parts: list, page_numbers: "PageNumberPieces | None" = None) -> bytes:
    """One tagged PDF: `front`'s pages then each part's, numbered "Page N of M" if `page_numbers` is given.
    Each of `front` and `parts` is a PDF's bytes, its file or an open pikepdf.Pdf."""
    out = open_pdf(front)
    root = out.Root.StructTreeRoot
    document = _document_element(out)
    document_kids = document.K if isinstance(document.K, Array) else Array([document.K])
    pairs = _parent_tree_pairs(root.ParentTree.get("/Nums", Array()))
    next_key = max((key for key, _ in pairs), default=-1) + 1
    dests = dict(_dest_pairs(_dests(out)))
    outline_children: list[pikepdf.OutlineItem] = []

    for source in parts:
        part = open_pdf(source)
        offset = len(out.pages)
        page_index = {page.obj.objgen: i for i, page in enumerate(part.pages)}
        key_shift = next_key
        # Pages first, so that copying the structure below maps its /Pg references to these copies. (pikepdf
        # warns that extend() leaves named destinations behind: they are carried over below.)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            out.pages.extend(part.pages)
        for number in range(offset, len(out.pages)):
            page = out.pages[number].obj
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + key_shift
            for annotation in page.get("/Annots", Array()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + key_shift
        part_document = _document_element(part)
        children = part_document.K if isinstance(part_document.K, Array) else Array([part_document.K])
        for child in children:
            if isinstance(child, Dictionary) and "/P" in child:
                del child["/P"]  # otherwise copying would drag in the part's own tree root
        for child in children:
            copied = out.copy_foreign(child) if child.is_indirect else child
            if isinstance(copied, Dictionary):
                copied.P = document
            document_kids.append(copied)
        # The whole parent tree in one copy (its values point at structure elements copied just above).
        part_tree = part.Root.StructTreeRoot.ParentTree
        part_pairs = _parent_tree_pairs(_copy(out, part_tree).get("/Nums", Array()))
        pairs.extend((key + key_shift, value) for key, value in part_pairs)
        next_key = max([next_key - 1, *(key + key_shift for key, _ in part_pairs)]) + 1
        part_dests = _dests(part)
        if part_dests is not None:
            for name, destination in _dest_pairs(_copy(out, part_dests)):
                dests[name] = destination  # a part's anchor wins over the front's placeholder
        outline_children.extend(_outline_items(part, offset, page_index))

    document.K = document_kids
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

    if page_numbers is not None:
        page_numbers.stamp(out)

    buffer = io.BytesIO()
    # Streams as they are (qpdf would otherwise decompress and compress again every page's content), and the
    # small objects (structure elements, most of the file) packed into compressed object streams, as WeasyPrint
    # writes them: a quarter of the size, and faster to write than one by one.
    out.save(
        buffer, stream_decode_level=pikepdf.StreamDecodeLevel.none, object_stream_mode=pikepdf.ObjectStreamMode.generate
    )
    return buffer.getvalue()


@dataclass
class PageNumberPieces:
    """The page numbers ("Page N of M") of every page of a joined file, from pieces laid out once.

    `content` is a PDF laid out by WeasyPrint (rendering.page_number_pieces) whose page i shows `texts[i]`
    alone where one render shows the page number, right-aligned; `widths[i]` is its width from the layout. The
    texts are "Page ", the ten digits and " of M". Each page gets one line of text in the pieces' font, placed
    and styled as they were, of the glyphs of the pieces it needs ("Page ", "1", "2", " of M"), ending where
    every piece ends: what one render draws, read back by any text extractor as "Page 12 of M"."""

    content: bytes
    texts: list[str]
    widths: list[float]

    FONT = Name("/TacPageNumbers")

    def pieces_for(self, number: int) -> list[int]:
        """Which pieces make "Page {number} of M", left to right."""
        index = {text: i for i, text in enumerate(self.texts)}
        return [index["Page "], *(index[digit] for digit in str(number)), len(self.texts) - 1]

    def stamp(self, out: pikepdf.Pdf) -> None:
        pieces = pikepdf.open(io.BytesIO(self.content))
        laid_out = [_Piece.read(page, text) for page, text in zip(pieces.pages, self.texts, strict=True)]
        first = laid_out[0]
        end_x = first.matrix[4] + self.widths[0]  # right-aligned: every piece ends where the number ends
        for piece, width in zip(laid_out, self.widths, strict=True):
            if piece.style != first.style or abs(piece.matrix[4] + width - end_x) > 0.01:
                raise ValueError(f"The page-number piece {piece.text!r} is not laid out like the others")
        font = out.copy_foreign(pieces.pages[0].obj.Resources.Font[first.font])
        a, b, c, d, _, y = first.matrix
        save_state = out.make_stream(b"q\n")  # shared: every page's own content, its transforms undone after
        for number, page in enumerate(out.pages, start=1):
            used = self.pieces_for(number)
            start_x = end_x - sum(self.widths[piece] for piece in used)
            glyphs = b" ".join(laid_out[piece].glyphs for piece in used)
            line = b"BT\n%s Tm\n%s %s Tf\n[%s] TJ\nET\n" % (
                b" ".join(b"%.6f" % value for value in (a, b, c, d, start_x, y)),
                self.FONT.unparse(),
                b"%.6f" % first.size,
                glyphs,
            )
            resources = page.obj.get("/Resources")
            if resources is None:
                resources = page.obj.Resources = Dictionary()
            fonts = resources.get("/Font")
            if fonts is None:
                fonts = resources.Font = Dictionary()
            if self.FONT in fonts and fonts[self.FONT].objgen != font.objgen:
                raise ValueError(f"Page {number} already has a font named {self.FONT}")
            fonts[self.FONT] = font
            page.contents_add(save_state, prepend=True)
            # Pagination is not content: an artifact, as PDF/UA asks.
            stamp = b"Q\n/Artifact BMC\nq\n" + first.setup + line + b"Q\nEMC\n"
            page.contents_add(out.make_stream(stamp), prepend=False)


@dataclass
class _Piece:
    """One page-number piece as WeasyPrint drew it: one line, one text object."""

    text: str
    setup: bytes  # the operators before the text object: the page's transforms and the text's colour
    matrix: tuple[float, ...]  # where the text starts (its text matrix)
    font: Name
    size: float
    glyphs: bytes  # what its TJ shows: glyphs and adjustments

    @property
    def style(self) -> tuple:
        """All but where it starts along the line: the same for every piece."""
        return self.setup, self.matrix[:4], self.matrix[5], self.font, self.size

    @classmethod
    def read(cls, page: pikepdf.Page, text: str) -> "_Piece":
        setup, text_objects, shown, matrix, font = [], 0, [], None, None
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name == "BT":
                text_objects += 1
            elif name in ("cm", "rg") and not text_objects:
                setup.append(pikepdf.unparse_content_stream([(operands, operator)]) + b"\n")
            elif name == "Tm":
                matrix = tuple(float(value) for value in operands)
            elif name == "Tf":
                font = (operands[0], float(operands[1]))
            elif name == "TJ":
                shown.append(pikepdf.unparse_content_stream([(operands, operator)]))
        # Anything but what WeasyPrint draws for a margin box's one line is refused, not guessed at.
        if text_objects != 1 or len(shown) != 1 or matrix is None or font is None:
            raise ValueError(f"The page-number piece {text!r} is not one line of text")
        glyphs = shown[0].removesuffix(b"TJ").strip().removeprefix(b"[").removesuffix(b"]").strip()
        return cls(text, b"".join(setup), matrix, Name(str(font[0])), font[1], glyphs)


def page_count(content) -> int:
    return len(open_pdf(content).pages)


def named_destination_pages(content) -> dict[str, int]:
    """Each named destination's page (0-based), e.g. where each group of a directory part starts."""
    pdf = open_pdf(content)
    index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    return {name: index[dest[0].objgen] for name, dest in _dest_pairs(_dests(pdf)) if isinstance(dest, Array)}


__all__ = ["join", "open_pdf", "page_count", "named_destination_pages", "PageNumberPieces", "Name"]
