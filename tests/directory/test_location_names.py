"""How a place reads wherever it is named (the sheet, messages, the feed's "service at location" name)."""

from directory.models import Location


def test_a_place_named_by_its_first_address_line_says_it_once():
    place = Location(
        kind=Location.Kind.PHYSICAL,
        name="3 Canal Walk",
        address_1="3 canal walk",
        city="Northfield",
        postcode="NF2 5CW",
    )
    assert str(place) == "3 Canal Walk, Northfield, NF2 5CW"


def test_a_place_with_its_own_name_gives_name_and_address():
    place = Location(
        kind=Location.Kind.PHYSICAL,
        name="Northfield Library",
        address_1="1 Market Street",
        city="Northfield",
        postcode="NF4 2RP",
    )
    assert str(place) == "Northfield Library, 1 Market Street, Northfield, NF4 2RP"


def test_a_place_at_home_or_online_reads_as_its_kind_without_a_name():
    assert str(Location(kind=Location.Kind.HOME)) == Location.Kind.HOME.label
