"""The CAF's sections in national order (DOMAIN.md), and the text fields each one holds.

The structure is national and lives in code; the 19 elements and their prompts are reference data in
the `Element` table.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TextField:
    name: str
    label: str
    max_length: int = 4000
    hint: str = ""
    rows: int = 6


@dataclass(frozen=True)
class Section:
    key: str
    # The national CAF's section number (DOMAIN.md): the web gives sections 3 and 4 one page, and splits
    # section 9 into the child's views and the parent's or carer's, so numbers are labels.
    number: str
    title: str
    fields: tuple[TextField, ...] = field(default_factory=tuple)
    intro: str = ""


SECTIONS = (
    Section(
        "identifying-details",
        "1",
        "Identifying details of the child",
        intro="These come from the child's record. Check them with the family; correct them on the record "
        "so they are never typed twice.",
    ),
    Section(
        "assessment-information",
        "2",
        "Assessment information",
        fields=(
            TextField("who_present", "Who was present at the assessment", 2000, rows=3),
            TextField(
                "what_led",
                "What led to this assessment being undertaken",
                4000,
                hint="The concerns and events, in the family's words where you can.",
            ),
        ),
    ),
    Section(
        "family",
        "3 and 4",
        "Parents and carers, and the family and home situation",
        fields=(
            TextField(
                "home_situation",
                "Current family and home situation",
                4000,
                hint="Family structure, siblings, other significant adults, who lives with the child.",
            ),
        ),
        intro="Parents, carers and the household come from the child's record. Confirm them with the family "
        "or correct them on the record.",
    ),
    Section(
        "assessor",
        "5",
        "The assessor and the lead professional",
        intro="The assessor and lead professional come from this CAF and the child's team around the child.",
    ),
    Section(
        "services",
        "6",
        "Other services working with the child",
        fields=(
            TextField(
                "notes",
                "Anything to add about the services working with the child",
                4000,
                rows=4,
                hint="Universal, targeted and specialist services not yet in the team around the child.",
            ),
        ),
        intro="Services already in the team around the child are listed from the child's record.",
    ),
    Section(
        "strengths-needs",
        "7",
        "Strengths and needs",
        intro="For each element, record strengths and needs. Both are optional: record evidence, not opinion.",
    ),
    Section(
        "conclusions",
        "8",
        "Conclusions, solutions and actions",
        fields=(TextField("conclusions", "Conclusions, solutions and actions", 8000, rows=8),),
    ),
    Section(
        "child-views",
        "9",
        "The child's or young person's views",
        fields=(TextField("views", "The child's or young person's views", 4000),),
    ),
    Section(
        "parent-views",
        "9",
        "The parent's or carer's views",
        fields=(TextField("views", "The parent's or carer's views", 4000),),
    ),
)
SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}
ELEMENT_FIELDS = (
    TextField("strengths", "Strengths", 4000, rows=5),
    TextField("needs", "Needs", 4000, rows=5),
)


def element_key(code: str) -> str:
    return f"element:{code}"
