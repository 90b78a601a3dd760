"""Paging long access-filtered lists without counting them."""

from dataclasses import dataclass


@dataclass
class PeekPage:
    object_list: list
    number: int
    _has_next: bool
    has_more: bool  # rows exist beyond the last page this list will show

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def peek_page(queryset, number, per_page: int, cap: int | None = None) -> PeekPage:
    """One page of at most `per_page` rows, in one query: it fetches one row more than it shows to know
    whether there is a next page, and never counts the whole list.

    Counting every row of an access-filtered list costs as much as fetching the page (PostgreSQL builds the
    set of visible children for each), and nobody reads past the first thousand: pages stop at `cap` rows,
    and `has_more` says there are more, so the page can point to a search instead (`cap=None`: no cap). A
    page number that is not a whole number or is out of range gives the first or the last page, as
    Django's `get_page` does.
    """
    last = max(1, -(-cap // per_page)) if cap is not None else 10**6
    try:
        number = min(max(1, int(number)), last)
    except (TypeError, ValueError):
        number = 1

    def fetch(number):
        start = (number - 1) * per_page
        end = start + per_page if cap is None else min(start + per_page, cap)
        return start, end, list(queryset[start : end + 1])

    start, end, rows = fetch(number)
    if not rows and number > 1:
        # Past the end (a bookmarked page of a list that has shrunk): count once, show the last page.
        total = queryset.count() if cap is None else min(queryset[:cap].count(), cap)
        number = max(1, -(-total // per_page))
        start, end, rows = fetch(number)
    shown = rows[: end - start]
    beyond = len(rows) > len(shown)
    at_cap = cap is not None and end >= cap
    return PeekPage(shown, number, _has_next=beyond and not at_cap, has_more=beyond and at_cap)
