"""A realistic year of reference interactions, for demos and for the reports benchmark.

Demand follows an academic library's rhythm: busy weekday afternoons, quiet weekends, peaks
in the first weeks of term and at finals, near silence over the winter break, a slow summer.
Each department has its own mix of modes and questions; effort (READ scale) follows the
question type and duration follows effort. Chat interactions come with their chats (wait,
duration, ratings), plus missed chats and some transfers, so every figure of the report has data.
"""

import itertools
import os
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from analytics.bulk_copy import insert_rows
from analytics.default_choices import install_default_choices
from analytics.models import Interaction, Location, PatronType, QuestionType, ReferralSource
from chat.models import Chat, ChatEvent
from deskservice.models import Department, User
from deskservice.roles import STUDENT_ASSISTANT

Mode = Interaction.Mode

DEMO_DEPARTMENTS = [("Research & Instruction", "research"), ("Access Services", "access-services"), ("IDEAS", "ideas")]
FIRST_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hiro", "Iris", "Jamal", "Kate", "Luis"]
LAST_NAMES = ["Abbott", "Baptiste", "Castillo", "Dubois", "Eriksen", "Fofana", "Gupta", "Haddad", "Ito", "Jensen"]

# weekday (Monday=0) -> share of a busy weekday's traffic
WEEKDAY_FACTOR = [1.0, 1.05, 1.0, 0.95, 0.75, 0.3, 0.4]
WEEKDAY_HOURS = {8: 0.3, 9: 0.65, 10: 0.95, 11: 1.1, 12: 0.85, 13: 1.0, 14: 1.15, 15: 1.05, 16: 0.85, 17: 0.6}
WEEKDAY_HOURS |= {18: 0.5, 19: 0.45, 20: 0.35, 21: 0.2}
WEEKEND_HOURS = {10: 0.4, 11: 0.7, 12: 0.8, 13: 0.9, 14: 0.9, 15: 0.8, 16: 0.6, 17: 0.4}

MODE_MIX = {
    "research": {Mode.CHAT: 35, Mode.IN_PERSON: 28, Mode.EMAIL: 12, Mode.TICKET: 13, Mode.PHONE: 7, Mode.SMS: 5},
    "access-services": {Mode.IN_PERSON: 48, Mode.PHONE: 15, Mode.CHAT: 17, Mode.EMAIL: 8, Mode.TICKET: 7, Mode.SMS: 5},
    "ideas": {Mode.IN_PERSON: 62, Mode.CHAT: 22, Mode.EMAIL: 10, Mode.TICKET: 6},
}
DEFAULT_MODE_MIX = {Mode.IN_PERSON: 45, Mode.CHAT: 25, Mode.PHONE: 10, Mode.EMAIL: 10, Mode.TICKET: 7, Mode.SMS: 3}
DEPARTMENT_SHARE = {"research": 35, "access-services": 45, "ideas": 20}
DESK_LOCATION = {"research": "Research & Instruction office", "ideas": "IDEAS lab"}

QUESTION_MIX = {
    "research": {"Research": 40, "Citation & writing": 15, "Directional": 10, "Technology & printing": 10},
    "access-services": {"Circulation & accounts": 35, "Directional": 25, "Technology & printing": 20},
    "ideas": {"Technology & printing": 55, "Directional": 15, "Research": 10},
}
QUESTION_MIX_REST = {"Policies & services": 8, "Other": 4}
# question type -> weights of READ levels 1..6
READ_BY_QUESTION = {
    "Directional": [80, 18, 2, 0, 0, 0],
    "Circulation & accounts": [35, 50, 13, 2, 0, 0],
    "Technology & printing": [15, 45, 30, 8, 2, 0],
    "Research": [2, 10, 30, 33, 18, 7],
    "Citation & writing": [5, 25, 40, 22, 7, 1],
    "Policies & services": [45, 40, 13, 2, 0, 0],
    "Other": [40, 35, 18, 5, 2, 0],
}
MINUTES_BY_READ = [1, 3, 7, 14, 25, 45]
PATRON_MIX = {"Undergraduate": 55, "Graduate student": 20, "Faculty": 8, "Staff": 5, "Community member": 7}
PATRON_MIX["Alumni"] = 5
RATINGS = {5: 60, 4: 25, 3: 8, 2: 4, 1: 3}


def term_factor(day: date) -> float:
    """How busy the desk is on `day` compared with an ordinary week of term (US semesters)."""
    md = (day.month, day.day)
    if (12, 22) <= md or md <= (1, 2):
        return 0.04
    if (12, 13) <= md or md <= (1, 12):
        return 0.25
    if (5, 9) <= md <= (8, 24):
        return 0.35
    if (12, 1) <= md <= (12, 12) or (4, 27) <= md <= (5, 8):
        return 1.55
    if (8, 25) <= md <= (9, 7) or (1, 13) <= md <= (1, 26):
        return 1.2
    if (10, 13) <= md <= (10, 24):
        return 1.25
    if (11, 24) <= md <= (11, 30) or (3, 16) <= md <= (3, 22):
        return 0.45
    return 1.0


def hourly_slots(first: date, last: date, now: datetime) -> tuple[list[datetime], list[float]]:
    """Every opening hour from `first` to `last` (before `now`) and its expected share of traffic."""
    tz = timezone.get_current_timezone()
    starts, cumulative, total = [], [], 0.0
    day = first
    while day <= last:
        hours = WEEKEND_HOURS if day.weekday() >= 5 else WEEKDAY_HOURS
        for hour, weight in hours.items():
            start = datetime(day.year, day.month, day.day, hour, tzinfo=tz)
            if start >= now:
                break
            total += weight * WEEKDAY_FACTOR[day.weekday()] * term_factor(day)
            starts.append(start)
            cumulative.append(total)
        day += timedelta(days=1)
    return starts, cumulative


@dataclass
class Catalogue:
    departments: list[Department]
    department_weights: list[float]
    operators: dict[int, list[int]]
    locations: dict[str, Location]
    question_types: dict[str, QuestionType]
    patron_types: dict[str, PatronType]
    referral_sources: list[ReferralSource]


def prepare_catalogue(*, operators_per_department: int) -> Catalogue:
    """The departments, operators and choices the sample needs, created when missing."""
    choices = install_default_choices()
    departments = list(Department.objects.filter(active=True))
    if not departments:
        departments = [
            Department.objects.create(name=name, slug=slug, position=n)
            for n, (name, slug) in enumerate(DEMO_DEPARTMENTS, start=1)
        ]
    unusable = make_password(None)
    # Sample operators work the desk by their role, as a library sets its people up (deskservice/roles.py).
    student_assistants = Group.objects.get(name=STUDENT_ASSISTANT)
    operators = {}
    for index, department in enumerate(departments):
        ids = list(department.operators.values_list("pk", flat=True))
        for n in range(len(ids), operators_per_department):
            person = index * operators_per_department + n
            user, _ = User.objects.get_or_create(
                username=f"{department.slug}-sample-{n + 1:02d}",
                defaults={
                    "first_name": FIRST_NAMES[person % len(FIRST_NAMES)],
                    "last_name": LAST_NAMES[person % len(LAST_NAMES)],
                    "password": unusable,
                },
            )
            user.departments.add(department)
            user.groups.add(student_assistants)
            ids.append(user.pk)
        operators[department.pk] = ids
    return Catalogue(
        departments=departments,
        department_weights=[DEPARTMENT_SHARE.get(d.slug, 20) for d in departments],
        operators=operators,
        locations=choices[Location],
        question_types=choices[QuestionType],
        patron_types=choices[PatronType],
        referral_sources=list(choices[ReferralSource].values()),
    )


class Weighted:
    """A weighted choice with its cumulative weights computed once: a million draws add up."""

    def __init__(self, weights: dict):
        self.values = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def draw(self, rng: random.Random):
        return rng.choices(self.values, cum_weights=self.cumulative)[0]


class SampleYear:
    """Draws interactions (and their chats) as plain rows ready for `bulk_copy.insert_rows`."""

    def __init__(self, catalogue: Catalogue, *, seed: int, days: int = 365, now: datetime | None = None):
        self.rng = random.Random(seed)
        self.catalogue = catalogue
        now = now or timezone.now()
        today = timezone.localtime(now).date()
        self.slots, self.cumulative = hourly_slots(today - timedelta(days=days - 1), today, now)
        if not self.slots:
            raise ValueError("The chosen period has no opening hours.")
        self.departments = Weighted(dict(zip(catalogue.departments, catalogue.department_weights, strict=True)))
        self.modes = {d.pk: Weighted(MODE_MIX.get(d.slug, DEFAULT_MODE_MIX)) for d in catalogue.departments}
        self.questions = {
            d.pk: Weighted(QUESTION_MIX.get(d.slug, {"Directional": 30, "Research": 30}) | QUESTION_MIX_REST)
            for d in catalogue.departments
        }
        self.levels = {
            question: Weighted(dict(zip(range(1, 7), w, strict=True))) for question, w in READ_BY_QUESTION.items()
        }
        self.patrons = Weighted(PATRON_MIX)
        self.ratings = Weighted(RATINGS)

    def batch(self, size: int) -> tuple[list[dict], list[dict], list[dict]]:
        """`size` interactions, the chats behind the chat and SMS ones (plus missed chats), and transfers."""
        rng = self.rng
        chats, interactions, events = [], [], []
        for start in rng.choices(self.slots, cum_weights=self.cumulative, k=size):
            interaction = self._interaction(start + timedelta(seconds=rng.randrange(3600)))
            if interaction["mode"] in (Mode.CHAT, Mode.SMS):
                chat = self._answered_chat(interaction)
                interaction["chat_id"] = chat["id"]
                chats.append(chat)
                if rng.random() < 0.04:
                    events.append({"chat_id": chat["id"], "kind": "transferred", "created_at": chat["claimed_at"]})
                if rng.random() < 0.07:
                    chats.append(self._missed_chat(interaction))
            interactions.append(interaction)
        return chats, interactions, events

    def _interaction(self, happened_at) -> dict:
        rng, cat = self.rng, self.catalogue
        department = self.departments.draw(rng)
        mode = self.modes[department.pk].draw(rng)
        question = self.questions[department.pk].draw(rng)
        level = self.levels[question].draw(rng)
        minutes = MINUTES_BY_READ[level - 1] * rng.lognormvariate(0, 0.45)
        if mode in (Mode.EMAIL, Mode.TICKET):
            minutes *= 1.4
        if mode in (Mode.IN_PERSON, Mode.PHONE):
            location = DESK_LOCATION.get(department.slug, "Main service desk")
        else:
            location = "Virtual"
        referred = rng.random() < 0.12
        return {
            "happened_at": happened_at,
            "created_at": happened_at,
            "mode": mode.value,
            "location_id": cat.locations[location].pk,
            "duration_minutes": max(1, min(240, round(minutes))),
            "department_id": department.pk,
            "operator_id": rng.choice(cat.operators[department.pk]),
            "question_type_id": cat.question_types[question].pk,
            "read_scale": level if rng.random() < 0.93 else None,
            "patron_type_id": cat.patron_types[self.patrons.draw(rng)].pk if rng.random() < 0.9 else None,
            "referral_source_id": rng.choice(cat.referral_sources).pk if referred else None,
            "referred_by": "",
            "notes": "",
            "chat_id": None,
            "ticket_id": None,
        }

    def _chat(self, department_id, created_at) -> dict:
        return {
            "id": uuid.uuid4(),
            "token_hash": os.urandom(32).hex(),
            "department_id": department_id,
            "source": Chat.Source.WEB.value,
            "status": Chat.Status.ENDED.value,
            "question": "(sample question)",
            "created_at": created_at,
            "operator_id": None,
            "claimed_at": None,
            "closed_at": None,
            "rating": None,
        }

    def _answered_chat(self, interaction: dict) -> dict:
        rng = self.rng
        chat = self._chat(interaction["department_id"], interaction["happened_at"])
        claimed_at = chat["created_at"] + timedelta(seconds=rng.lognormvariate(3.5, 0.9))
        ended_at = claimed_at + timedelta(seconds=interaction["duration_minutes"] * 60 - rng.randrange(50))
        chat.update(
            source=(Chat.Source.SMS if interaction["mode"] == Mode.SMS else Chat.Source.WEB).value,
            operator_id=interaction["operator_id"],
            claimed_at=claimed_at,
            ended_at=ended_at,
            ended_by=(Chat.EndedBy.OPERATOR if rng.random() < 0.8 else Chat.EndedBy.PATRON).value,
            closed_at=ended_at + timedelta(seconds=rng.randrange(20, 120)),
            rating=self.ratings.draw(rng) if rng.random() < 0.14 else None,
        )
        return chat

    def _missed_chat(self, interaction: dict) -> dict:
        rng = self.rng
        chat = self._chat(
            interaction["department_id"], interaction["happened_at"] + timedelta(seconds=rng.randrange(-1800, 1800))
        )
        chat.update(
            ended_at=chat["created_at"] + timedelta(seconds=rng.randrange(60, 900)),
            ended_by=(Chat.EndedBy.PATRON if rng.random() < 0.7 else Chat.EndedBy.SYSTEM).value,
        )
        return chat


def generate(*, count: int, seed: int, days: int, batch_size: int, operators_per_department: int, progress=None):
    """Insert `count` interactions (and their chats) in batches; returns (interactions, chats) inserted."""
    catalogue = prepare_catalogue(operators_per_department=operators_per_department)
    year = SampleYear(catalogue, seed=seed, days=days)
    done = chats_done = 0
    while done < count:
        chats, interactions, events = year.batch(min(batch_size, count - done))
        with transaction.atomic():
            insert_rows(Chat, chats)
            insert_rows(Interaction, interactions)
            insert_rows(ChatEvent, events)
        done += len(interactions)
        chats_done += len(chats)
        if progress:
            progress(done, chats_done)
    return done, chats_done
