"""The postcode dataset: postcodes' centroids from a file in the ONS Postcode Directory's CSV format.

ONSPD (Office for National Statistics) is one row per postcode, every value quoted, with the postcode in
`pcds` (one space, as written; older files `pcd`, padded to seven characters), its centroid in `lat` and
`long`, and `doterm`, the month it was withdrawn, empty for a live postcode. Postcodes without a grid
reference carry latitude 99.999999. Only live postcodes with a centroid are kept.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from agencies.models import normalise_postcode

from .models import Postcode

# Fictional postcodes of the demo area (DOMAIN.md's Northfield), for `make run` and the tests.
DEMO_POSTCODES = Path(__file__).resolve().parent / "fixtures" / "demo_postcodes.csv"
BATCH = 5_000
NO_GRID_REFERENCE = 99.0


class PostcodeFileError(Exception):
    """The file is not in the ONS Postcode Directory's format: nothing is loaded."""


@dataclass
class PostcodeLoad:
    loaded: int = 0
    withdrawn: int = 0
    without_coordinates: int = 0
    unreadable: int = 0


def _flush(batch: list[Postcode]) -> None:
    Postcode.objects.bulk_create(
        batch, update_conflicts=True, unique_fields=["postcode"], update_fields=["latitude", "longitude"]
    )
    batch.clear()


def load_postcodes(path, progress=None) -> PostcodeLoad:
    """Load (or refresh) every live postcode with a centroid from an ONSPD CSV file; idempotent."""
    result = PostcodeLoad()
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = {name.strip().lower(): name for name in reader.fieldnames or []}
        code_column = columns.get("pcds") or columns.get("pcd")
        if not code_column or "lat" not in columns or "long" not in columns:
            raise PostcodeFileError(
                "The file is not in the ONS Postcode Directory's CSV format: it needs the columns pcds (or pcd), "
                "lat and long"
            )
        withdrawn_column = columns.get("doterm")
        batch: list[Postcode] = []
        with transaction.atomic():
            for row in reader:
                if withdrawn_column and (row.get(withdrawn_column) or "").strip():
                    result.withdrawn += 1
                    continue
                try:
                    latitude = float(row[columns["lat"]])
                    longitude = float(row[columns["long"]])
                    code = normalise_postcode(row[code_column])
                except (TypeError, ValueError):
                    result.unreadable += 1
                    continue
                if abs(latitude) > NO_GRID_REFERENCE or not code:
                    result.without_coordinates += 1
                    continue
                batch.append(Postcode(postcode=code, latitude=latitude, longitude=longitude))
                result.loaded += 1
                if len(batch) >= BATCH:
                    _flush(batch)
                    if progress:
                        progress(result.loaded)
            if batch:
                _flush(batch)
    return result
