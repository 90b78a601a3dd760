"""A page states what it needs of what it shows as a typed need (`access.ChildNeed.EDIT`, not "edit").
Every need a view names exists and is granted by a real property of its rights; a bare string, a need of
another kind or a misspelt one fails loudly instead of being read as "no" (or "yes")."""

import ast
import pathlib

import pytest
from django.test import RequestFactory

from agencies import access
from agencies.access import ActionNeed, CafNeed, ChildNeed, Need, ReferralNeed

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ["agencies", "caf", "children", "directory", "referrals"]

# Each kind of need, and rights of that kind to ask (every member must name one of its properties).
RIGHTS = {
    ChildNeed: access.NO_CHILD_ACCESS,
    CafNeed: access.CafAccess(access.NO_CHILD_ACCESS, may_read=False, may_edit=False, may_change_plan=False),
    ActionNeed: access.NO_ACTION_ACCESS,
    ReferralNeed: access.NO_REFERRAL_ACCESS,
}

# The callables that take a need, and the argument (position, name) it is passed as.
TAKES_A_NEED = {
    "child_page": (0, "need"),
    "caf_page": (0, "need"),
    "action_page": (0, "need"),
    "get_child_for_user": (2, "need"),
    "get_assessment_for_user": (2, "need"),
    "get_action_for_owner": (2, "need"),
    "get_referral_for_user": (2, "need"),
}


@pytest.mark.parametrize("kind", list(RIGHTS), ids=lambda kind: kind.__name__)
def test_every_need_is_granted_by_a_property_of_its_rights(kind):
    rights = RIGHTS[kind]
    for need in kind:
        assert hasattr(type(rights), need.grant) or need.grant in rights.__dataclass_fields__, need
        assert need.granted_by(rights) is False, need  # nobody's rights grant anything


def test_the_kinds_of_need_are_all_known_here():
    assert set(Need.__subclasses__()) == set(RIGHTS)


@pytest.mark.parametrize("wrong", ["basic", "edit", CafNeed.EDIT, None])
def test_a_bare_string_or_a_need_of_another_kind_is_refused_loudly(wrong, child, lead_professional):
    # CafNeed.EDIT == "edit" == ChildNeed.EDIT as strings: only the type tells them apart.
    request = RequestFactory().get("/")
    request.user = lead_professional
    with pytest.raises(TypeError):
        access.get_child_for_user(request, child.pk, wrong)
    with pytest.raises(TypeError):
        ChildNeed.check(wrong)


def test_a_page_decorator_given_a_string_fails_when_its_module_is_imported():
    from caf.views import caf_page
    from children.views import child_page

    with pytest.raises(TypeError):
        child_page("basic", "Child's record")
    with pytest.raises(TypeError):
        caf_page(ChildNeed.BASIC, "A CAF page")


def _view_modules():
    for app in APPS:
        for path in sorted((ROOT / app).glob("*.py")):
            if path.name == "views.py" or path.name.endswith("_views.py"):
                yield path


def _needs_named_in(path):
    """Every (callable, need expression) of a call in the module to something that takes a need."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):  # access.get_child_for_user(...), not selectors.action_page(...)
            name = func.attr if getattr(func.value, "id", None) == "access" else None
        else:
            name = getattr(func, "id", None)
        if name not in TAKES_A_NEED:
            continue
        position, keyword = TAKES_A_NEED[name]
        given = [k.value for k in node.keywords if k.arg == keyword]
        given += node.args[position : position + 1]
        yield name, given[0] if given else None


def test_every_need_a_view_names_exists_and_is_typed():
    kinds = {kind.__name__: kind for kind in RIGHTS}
    seen = 0
    for path in _view_modules():
        for name, expression in _needs_named_in(path):
            where = f"{path.relative_to(ROOT)}: {name}"
            if expression is None:
                continue  # the default need of the getter, itself typed
            if isinstance(expression, ast.Name) and expression.id == "need":
                continue  # a decorator passing on the need it was given (checked where it is given)
            assert isinstance(expression, ast.Attribute), f"{where} is given {ast.unparse(expression)}, not a Need"
            owner = expression.value
            kind_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            assert kind_name in kinds, f"{where} is given {ast.unparse(expression)}, not a Need"
            assert expression.attr in kinds[kind_name].__members__, f"{where}: no such need {ast.unparse(expression)}"
            seen += 1
    assert seen > 30  # the scan found the views' needs (children, CAF, actions, referrals)
