"""The import's quick schema check never accepts what jsonschema, against the pinned schema, would refuse."""

import copy

from bench.import_feed import feed_record
from directory.importing.reading import _service_validator, fast_service_check


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replaced(record, path, new):
    changed = copy.deepcopy(record)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return changed


def _removed(record, path):
    changed = copy.deepcopy(record)
    target = changed
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return changed


def test_the_quick_check_is_compiled_and_says_yes_to_a_valid_record():
    quick = fast_service_check()
    assert quick is not None
    record = feed_record(1, 10)
    assert list(_service_validator().iter_errors(record)) == []
    assert quick(record)


def test_every_value_made_wrong_or_removed_is_refused_by_the_quick_check_whenever_jsonschema_refuses_it():
    quick, validator = fast_service_check(), _service_validator()
    record = feed_record(7, 10)
    wrong_values = (None, 1, 2.5, True, "not-a-uuid", "", [], {}, ["x"], {"id": 1}, "not an email", "24:99")
    cases = 0
    for path in _paths(record):
        if not path:
            continue
        variants = [_replaced(record, path, value) for value in wrong_values]
        if isinstance(path[-1], str):
            variants.append(_removed(record, path))
        for changed in variants:
            refused = bool(list(validator.iter_errors(changed)))
            if refused:
                cases += 1
                assert not quick(changed), f"the quick check accepted {path} that jsonschema refuses"
    assert cases > 500
