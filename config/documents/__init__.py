"""The PDF pipeline every app's documents go through (a Django app of its own, label "documents").

An app asks for a document (`services.document_request`, from `caf.documents.caf_pdf_request` or
`directory.documents.directory_pdf_request`); the pipeline keeps one job per document (`models.DocumentJob`),
renders it once in a worker on the `pdf` queue under a lease (`services`, `tasks`), lays a large one out in
parts and joins them (`pdf_join`), sweeps up jobs the broker lost and tidies old files. What a document shows
is its app's: each app registers its kind of document (`kinds`) from its AppConfig.ready().
"""
