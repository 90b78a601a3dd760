"""The import's report: per record, what was created, updated, unchanged or rejected, and what was kept only partly."""

import re
from dataclasses import dataclass, field


class FeedError(Exception):
    """The file as a whole cannot be read as a feed: nothing is written."""


@dataclass
class ImportReport:
    records: list[dict] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)
    terms_created: list[str] = field(default_factory=list)

    def add(self, label: str, outcome: str, notes=(), reason: str = "") -> None:
        self.records.append({"label": label, "outcome": outcome, "notes": list(notes), "reason": reason})

    def in_feed_order(self, start: int) -> None:
        """Put the records reported since `start` back in the feed's order (the fast path reports first)."""

        def number(row):
            found = re.match(r"record (\d+)", row["label"])
            return int(found[1]) if found else 0

        self.records[start:] = sorted(self.records[start:], key=number)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.records if r["outcome"] == outcome)

    @property
    def partly(self) -> list[dict]:
        return [r for r in self.records if r["notes"]]

    # The lists the command and the older callers print.
    def _labels(self, outcome):
        return [
            r["label"] + (f": {r['reason']}" if r["reason"] else "") for r in self.records if r["outcome"] == outcome
        ]

    @property
    def created(self):
        return self._labels("created")

    @property
    def updated(self):
        return self._labels("updated")

    @property
    def unchanged(self):
        return self._labels("unchanged")

    @property
    def rejected(self):
        return self._labels("rejected")

    def summary(self) -> str:
        return (
            f"{self.count('created')} created, {self.count('updated')} updated, "
            f"{self.count('unchanged')} unchanged, {self.count('rejected')} rejected; "
            f"{len(self.partly)} kept only partly"
        )

    def as_data(self) -> dict:
        return {
            "counts": {o: self.count(o) for o in ("created", "updated", "unchanged", "rejected")}
            | {"partly": len(self.partly)},
            "records": self.records,
            "organisations_created": self.organisations_created,
            "terms_created": self.terms_created,
        }

    @classmethod
    def from_data(cls, data: dict) -> "ImportReport":
        return cls(
            records=list(data.get("records", [])),
            organisations_created=list(data.get("organisations_created", [])),
            terms_created=list(data.get("terms_created", [])),
        )
