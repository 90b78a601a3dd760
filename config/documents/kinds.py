"""Which app makes each kind of document. Each app registers its own from its AppConfig.ready(), so the
pipeline never imports an app: `caf.documents.CafDocument`, `directory.documents.DirectoryDocument`."""

from .rendering import RenderedDocument


class Document:
    """What the pipeline asks of a kind of document. `base` is what every document shows of its job (who asked,
    when it was made: rendering.job_context)."""

    kind: str
    # Bump when a template changes what the document shows: files made from an older one are never reused.
    template_version: str

    def render(self, job, base: dict) -> RenderedDocument:
        """The whole document, as of now."""
        raise NotImplementedError

    def parts(self, job) -> list:
        """How the document is laid out in parts; one part (or none) means it is rendered whole."""
        return []

    def render_part(self, job, base: dict, number: int) -> RenderedDocument:
        raise NotImplementedError

    def join(self, job, base: dict, part_files: list) -> RenderedDocument:
        raise NotImplementedError


_DOCUMENTS: dict[str, Document] = {}


def register(document: Document) -> None:
    _DOCUMENTS[document.kind] = document


def document_for(kind: str) -> Document:
    return _DOCUMENTS[kind]
