"""Importing Open Referral UK feeds: a file, or every page of a publisher's API, honestly.

Shapes accepted: a JSON list of services; a page object (`contents`, as `/services` serves it, streamed
item by item so a 50 MB feed is never held whole); a single fully nested service (`service_full`); an
organisation with its `services` (`organization_full`); and a service at a location with its `service`.
Services that name their organisation only by `organization_id` are matched with an organisation seen
earlier in the feed, one already here, or (harvesting an API) the publisher's `/organizations/{id}`.

Each record is validated against the pinned compiled service schema and imported in its own savepoint,
so a bad record (a NUL character, a wrong type, a duplicate id) is rejected alone with the field and
why, and the run carries on. Records are keyed by the feed's identifiers: importing the same feed twice
changes nothing the second time, and two organisations of the same name with different ids stay two.
The report says, per record, what was created, updated, unchanged or rejected, and every field kept
only partly.

Modules: `reading` (the shapes a feed comes in, streamed), `fields` (one record as the product's fields,
with a note for every field kept only partly), `importer` (records saved a batch at a time, the report),
`bulk` (the fast path for records new here) and `harvest` (a publisher's API, page by page, resumably).
"""
