"""Every Child Matters (Children Act 2004): the five outcomes and their aims, defined once. The CAF's
delivery plan ties each action to an outcome and aim; the directory's vocabulary of outcomes a service
serves is the same five (directory/taxonomies.py)."""

from typing import NamedTuple


class Outcome(NamedTuple):
    code: str
    name: str
    summary: str
    aims: tuple[str, ...]


EVERY_CHILD_MATTERS = (
    Outcome(
        "be_healthy",
        "Be healthy",
        "Physically, mentally, emotionally and sexually healthy; healthy lifestyles.",
        (
            "Physically healthy",
            "Mentally and emotionally healthy",
            "Sexually healthy",
            "Healthy lifestyles",
            "Choose not to take illegal drugs",
            "Parents, carers and families promote healthy choices",
        ),
    ),
    Outcome(
        "stay_safe",
        "Stay safe",
        "Safe from maltreatment, neglect, violence, accidents, bullying and crime.",
        (
            "Safe from maltreatment, neglect, violence and sexual exploitation",
            "Safe from accidental injury and death",
            "Safe from bullying and discrimination",
            "Safe from crime and anti-social behaviour in and out of school",
            "Have security, stability and are cared for",
            "Parents, carers and families provide safe homes and stability",
        ),
    ),
    Outcome(
        "enjoy_and_achieve",
        "Enjoy and achieve",
        "Ready for school, attend and enjoy school, achieve.",
        (
            "Ready for school",
            "Attend and enjoy school",
            "Achieve stretching national educational standards at primary school",
            "Achieve personal and social development and enjoy recreation",
            "Achieve stretching national educational standards at secondary school",
            "Parents, carers and families support learning",
        ),
    ),
    Outcome(
        "positive_contribution",
        "Make a positive contribution",
        "Engage in decision-making, positive behaviour and relationships; self-confidence.",
        (
            "Engage in decision-making and support the community and environment",
            "Engage in law-abiding and positive behaviour in and out of school",
            "Develop positive relationships and choose not to bully and discriminate",
            "Develop self-confidence and successfully deal with significant life changes and challenges",
            "Develop enterprising behaviour",
            "Parents, carers and families promote positive behaviour",
        ),
    ),
    Outcome(
        "economic_well_being",
        "Achieve economic well-being",
        "Education, employment or training; decent homes; free from low income.",
        (
            "Engage in further education, employment or training on leaving school",
            "Ready for employment",
            "Live in decent homes and sustainable communities",
            "Access to transport and material goods",
            "Live in households free from low income",
            "Parents, carers and families are supported to be economically active",
        ),
    ),
)
