"""A starting set of choices for a new desk; supervisors rename, reorder or retire them in admin."""

from analytics.models import Location, PatronType, QuestionType, ReferralSource

DEFAULT_CHOICES = {
    Location: ["Virtual", "Main service desk", "Research & Instruction office", "IDEAS lab"],
    QuestionType: [
        "Directional",
        "Circulation & accounts",
        "Technology & printing",
        "Research",
        "Citation & writing",
        "Policies & services",
        "Other",
    ],
    PatronType: ["Undergraduate", "Graduate student", "Faculty", "Staff", "Community member", "Alumni"],
    ReferralSource: [
        "Faculty or instructor",
        "Another service desk",
        "Library website",
        "Course or research guide",
        "Friend or classmate",
    ],
}


def install_default_choices() -> dict:
    """Create the default choices that do not exist yet (by name); returns {model: {name: choice}}."""
    installed = {}
    for model, names in DEFAULT_CHOICES.items():
        existing = {choice.name: choice for choice in model.objects.filter(name__in=names)}
        for position, name in enumerate(names):
            if name not in existing:
                existing[name] = model.objects.create(name=name, position=position)
        installed[model] = existing
    return installed
