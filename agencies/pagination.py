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


def peek_page(queryset, number, per_page: int, cap: int = 1000) -> PeekPage:
    """One page of at most `per_page` rows, in one query: it fetches one row more than it shows to know
    whether there is a next page, and never counts the whole list.

    Counting every row of an access-filtered list costs as much as fetching the page (PostgreSQL builds the
    set of visible children for each), and nobody reads past the first thousand: pages stop at `cap` rows,
    and `has_more` says there are more, so the page can point to a search instead. A page number that is not
    a whole number or is out of range gives the first or the last page, as Django's `get_page` does.
    """
    last = max(1, -(-cap // per_page))
    try:
        number = min(max(1, int(number)), last)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    while True:
        end = min(start + per_page, cap)
        rows = list(queryset[start : end + 1])
        if rows or number == 1:
            break
        number -= 1  # past the end: step back to the last page that has rows (rare: a bookmarked page)
        start = (number - 1) * per_page
    shown = rows[: end - start]
    beyond = len(rows) > len(shown)
    at_cap = end >= cap
    return PeekPage(shown, number, _has_next=beyond and not at_cap, has_more=beyond and at_cap)
