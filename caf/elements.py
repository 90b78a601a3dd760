"""The 19 elements of the CAF's strengths and needs, in national order, with default prompts.

Loaded into the Element table by a data migration; after that the table is the source (a local
authority re-words prompts in the admin site without a code change).
"""

ELEMENTS = [
    (
        "development",
        "general-health",
        "Health – general health",
        "Conditions and impairments, access to and use of dentist and GP, immunisations and checks, "
        "hospital admissions, accidents, health advice, food and weight.",
    ),
    (
        "development",
        "physical-development",
        "Health – physical development",
        "Nourishment, activity, relaxation, vision and hearing, fine motor skills (drawing) and gross "
        "motor skills (mobility, playing games and sport).",
    ),
    (
        "development",
        "speech-language",
        "Health – speech, language and communications development",
        "Ability to communicate effectively with a range of people, confidence and competence in the "
        "chosen language, signing or communication aids; understanding and being understood.",
    ),
    (
        "development",
        "emotional-social",
        "Emotional and social development",
        "The child's feelings and actions: early attachments, risking or actual self-harm, phobias, "
        "psychological difficulties, coping with stress, motivation, positive attitudes.",
    ),
    (
        "development",
        "behavioural",
        "Behavioural development",
        "Lifestyle, self-control, reckless or impulsive activity, behaviour with peers, substance use, "
        "anti-social behaviour, sexual behaviour, offending, violence and aggression, restlessness.",
    ),
    (
        "development",
        "identity",
        "Identity, including self-esteem, self-image and social presentation",
        "Perceptions of self, knowledge of personal and family history, sense of belonging, "
        "experiences of discrimination because of race, religion, age, gender, sexuality or disability.",
    ),
    (
        "development",
        "family-social-relationships",
        "Family and social relationships",
        "Relationships with family, carers, siblings, peers and friends; being able to make and keep "
        "friendships; the support of and from others.",
    ),
    (
        "development",
        "self-care",
        "Self-care skills and independence",
        "Becoming able to look after themselves: dressing, feeding, hygiene; for older children, "
        "practical and emotional independence, problem-solving and decision-making.",
    ),
    (
        "development",
        "learning-understanding",
        "Learning – understanding, reasoning and problem solving",
        "Organising and making sense of information, understanding and solving problems, "
        "processing speed, concentration.",
    ),
    (
        "development",
        "learning-participation",
        "Learning – participation in learning, education and employment",
        "Access to and engagement in learning, attendance and punctuality, participation in "
        "education or training, support for learning at home.",
    ),
    (
        "development",
        "learning-progress",
        "Learning – progress and achievement in learning",
        "Progress in basic and key skills, in the early years foundation stage and at school, "
        "special educational needs, achievement compared with peers.",
    ),
    (
        "development",
        "learning-aspirations",
        "Learning – aspirations",
        "The child's ambitions and plans, confidence in learning, and the support and "
        "encouragement they get to aim high.",
    ),
    (
        "parents",
        "basic-care",
        "Basic care, ensuring safety and protection",
        "The extent to which the child's physical needs are met (food, warmth, shelter, clothing, "
        "hygiene, health care) and they are protected from harm and danger, including in the home.",
    ),
    (
        "parents",
        "emotional-warmth",
        "Emotional warmth and stability",
        "Warmth, praise and encouragement; secure, stable and affectionate relationships with "
        "carers; consistency of care; the impact of parents' own difficulties on the child.",
    ),
    (
        "parents",
        "guidance-boundaries",
        "Guidance, boundaries and stimulation",
        "Encouraging learning and development through play, boundaries and routines, modelling "
        "behaviour, helping the child to regulate their emotions and behaviour.",
    ),
    (
        "family",
        "family-history",
        "Family history, functioning and well-being",
        "Illness, bereavement, violence, parental substance misuse, criminality, anti-social "
        "behaviour; the family's culture, size and structure; relationships and support.",
    ),
    (
        "family",
        "wider-family",
        "Wider family",
        "Who the child considers to be family: grandparents, aunts, uncles and others, and the "
        "support they give the child and parents.",
    ),
    (
        "family",
        "housing-employment-finance",
        "Housing, employment and financial considerations",
        "Water, heating, sanitation, space, safety of the home; stability of accommodation; "
        "work and income in the household; debt and benefits.",
    ),
    (
        "family",
        "social-community",
        "Social and community elements and resources, including education",
        "Community facilities and services, the family's integration or isolation, peer groups, "
        "schools and nurseries, transport, and the resources the family can draw on.",
    ),
]


def load_elements(element_model) -> None:
    """Create or re-word the elements (used by the data migration, and by tests after a flush)."""
    for order, (domain, code, name, prompt) in enumerate(ELEMENTS, start=1):
        element_model.objects.update_or_create(
            code=code, defaults={"domain": domain, "name": name, "order": order, "prompt": prompt}
        )
