"""Demo data for `make run`: communities in several countries, facilitators, teachers and some
history. Idempotent: running it again changes nothing that is already there."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from community import services
from community.models import Community, Membership, Room, User
from core import ratelimit
from core.roles import Role
from demo import analytics, chat, running
from demo.events import seed_events
from demo.schools import seed_schools
from resources import services as materials
from resources.models import Resource

DEMO_PASSWORD = "kring-demo-2026"

# A few words each, in the teacher's own language: networking matches them across languages.
# Every demo teacher is discoverable, so suggestions show from the first sign-in.
BIOS = {
    "marieke@demo.kring.eu": "Ik geef biologie en ICT in de onderbouw en laat leerlingen in hun eigen tempo werken met gepersonaliseerde leerroutes.",
    "daan@demo.kring.eu": "Ik geef rekenen in groep 6-8 en werk met formatief evalueren: korte feedback in plaats van cijfers.",
    "katarzyna@demo.kring.eu": "Uczę angielskiego i informatyki; pomagam innym szkołom wprowadzać narzędzia cyfrowe.",
    "piotr@demo.kring.eu": "Uczę fizyki w liceum; uczniowie sami projektują doświadczenia i badają zjawiska.",
    "ewa@demo.kring.eu": "Uczę biologii; często prowadzę lekcje w terenie, w lesie i nad rzeką.",
    "kadri@demo.kring.eu": "I teach computer science to 12-15 year olds and mentor schools starting with learning analytics.",
    "jan@demo.kring.eu": "Ik geef Frans in de eerste graad en werk graag met projecten samen met scholen in het buitenland.",
    "erik@demo.kring.eu": "I teach history and social studies and let students run their own projects on democracy.",
    "lina@demo.kring.eu": "Jag undervisar i svenska och bild i lågstadiet och arbetar med portfolio och självbedömning.",
}

TEACHERS: list[dict[str, Any]] = [
    {"email": "coordinator@demo.kring.eu", "name": "Sofia Berg", "country": "SE", "staff": True,
     "school": "Project coordination office", "subjects": ["project coordination"],
     "languages": ["sv", "en"], "age_groups": [], "interests": ["Erasmus+", "teacher networks"]},
    {"email": "marieke@demo.kring.eu", "name": "Marieke Jansen", "country": "NL",
     "school": "Rijnstad College, Arnhem", "subjects": ["biology", "ICT"],
     "languages": ["nl", "en"], "age_groups": ["lower_secondary", "upper_secondary"],
     "interests": ["personalised learning", "AI in education"]},
    {"email": "daan@demo.kring.eu", "name": "Daan Visser", "country": "NL",
     "school": "Basisschool De Linde, Nijmegen", "subjects": ["mathematics"],
     "languages": ["nl", "en", "de"], "age_groups": ["primary"],
     "interests": ["differentiation", "formative assessment"]},
    {"email": "katarzyna@demo.kring.eu", "name": "Katarzyna Nowak", "country": "PL",
     "school": "Szkoła Podstawowa nr 12, Kraków", "subjects": ["English", "ICT"],
     "languages": ["pl", "en"], "age_groups": ["primary", "lower_secondary"],
     "interests": ["digital innovation", "mentoring"]},
    {"email": "piotr@demo.kring.eu", "name": "Piotr Wiśniewski", "country": "PL",
     "school": "Liceum Ogólnokształcące nr 3, Tarnów", "subjects": ["physics"],
     "languages": ["pl", "en"], "age_groups": ["upper_secondary"],
     "interests": ["inquiry-based learning"]},
    {"email": "erik@demo.kring.eu", "name": "Erik Lindqvist", "country": "SE",
     "school": "Malmö Latinskola", "subjects": ["history", "social studies"],
     "languages": ["sv", "en"], "age_groups": ["upper_secondary"],
     "interests": ["student agency", "Erasmus+ mobility"]},
    {"email": "lina@demo.kring.eu", "name": "Lina Andersson", "country": "SE",
     "school": "Lunds Grundskola", "subjects": ["Swedish", "art"],
     "languages": ["sv", "en"], "age_groups": ["primary"],
     "interests": ["self-regulated learning", "portfolios"]},
    {"email": "kadri@demo.kring.eu", "name": "Kadri Tamm", "country": "EE",
     "school": "Tartu Innovation School", "subjects": ["computer science"],
     "languages": ["et", "en", "ru"], "age_groups": ["lower_secondary"],
     "interests": ["school-to-school mentoring", "learning analytics"]},
    {"email": "ewa@demo.kring.eu", "name": "Ewa Kowalska", "country": "PL",
     "school": "Gimnazjum nr 2, Nowy Sącz", "subjects": ["biology"],
     "languages": ["pl", "en"], "age_groups": ["lower_secondary"],
     "interests": ["outdoor learning"]},
    {"email": "jan@demo.kring.eu", "name": "Jan Peeters", "country": "BE",
     "school": "GO! Atheneum Gent", "subjects": ["French"],
     "languages": ["nl", "fr", "en"], "age_groups": ["lower_secondary"],
     "interests": ["capacity building for Erasmus+"]},
]  # fmt: skip

COMMUNITIES: list[dict[str, Any]] = [
    {"slug": "gelderland-personalised-learning", "name": "Gelderland: personalised learning with ICT",
     "kind": "regional", "countries": ["NL"], "region": "Gelderland", "languages": ["nl", "en"],
     "join_policy": "open", "facilitator": "marieke@demo.kring.eu",
     "description": "Teachers from primary and secondary schools around Arnhem and Nijmegen "
                    "collecting practice examples of personalised learning with ICT.",
     "members": {"daan@demo.kring.eu": Role.MEMBER, "jan@demo.kring.eu": Role.OBSERVER},
     "rooms": [("ai-in-de-klas", "AI in the classroom: what works, what worries us")]},
    {"slug": "malopolska-cyfrowa-szkola", "name": "Małopolska: cyfrowa szkoła",
     "kind": "regional", "countries": ["PL"], "region": "Małopolska", "languages": ["pl"],
     "join_policy": "request", "facilitator": "katarzyna@demo.kring.eu",
     "description": "Nauczyciele z Krakowa i Tarnowa dzielą się pomysłami na lekcje z "
                    "technologią. Teachers from Kraków and Tarnów sharing lesson ideas.",
     "members": {"piotr@demo.kring.eu": Role.MEMBER},
     "pending": {"ewa@demo.kring.eu": "Dzień dobry! I teach biology in Nowy Sącz and would love to join."},
     "rooms": [("fizyka-i-technologia", "Physics labs with simple digital tools")]},
    {"slug": "skane-larande-natverk", "name": "Skåne lärande nätverk",
     "kind": "regional", "countries": ["SE"], "region": "Skåne", "languages": ["sv", "en"],
     "join_policy": "open", "facilitator": "erik@demo.kring.eu",
     "description": "A regional learning community for teachers in Skåne preparing their first "
                    "Erasmus+ partnerships.",
     "members": {"lina@demo.kring.eu": Role.MEMBER},
     "rooms": []},
    {"slug": "tartu-innovation-hub", "name": "Tartu regional innovation hub",
     "kind": "hub", "countries": ["EE"], "region": "Tartu", "languages": ["et", "en"],
     "join_policy": "open", "facilitator": "kadri@demo.kring.eu",
     "description": "Digitally advanced schools mentoring schools that are starting out: "
                    "peer visits, co-teaching and a shared toolbox.",
     "members": {"katarzyna@demo.kring.eu": Role.MEMBER},
     "rooms": [("mentoring", "Pairing mentor schools with schools starting out")]},
    {"slug": "european-learning-circle", "name": "European learning circle",
     "kind": "cross_border", "countries": ["NL", "PL", "SE", "EE", "BE"], "region": "",
     "languages": ["en"], "join_policy": "request", "facilitator": "coordinator@demo.kring.eu",
     "description": "When we share, we win: facilitators and teachers from every regional "
                    "community, exchanging and improving teaching materials across borders.",
     "members": {"marieke@demo.kring.eu": Role.CO_FACILITATOR, "katarzyna@demo.kring.eu": Role.MEMBER,
                 "erik@demo.kring.eu": Role.MEMBER, "kadri@demo.kring.eu": Role.MEMBER,
                 "daan@demo.kring.eu": Role.MEMBER, "jan@demo.kring.eu": Role.MEMBER},
     "rooms": [("materials-exchange", "Share a lesson, get feedback, adapt it for your class")]},
    {"slug": "vlaanderen-erasmus-starters", "name": "Vlaanderen: Erasmus+ starters",
     "kind": "regional", "countries": ["BE"], "region": "Vlaanderen", "languages": ["nl"],
     "join_policy": "invite", "facilitator": "jan@demo.kring.eu",
     "description": "Schools in Flanders building capacity for their first Erasmus+ project.",
     "members": {}, "rooms": []},
]  # fmt: skip

HISTORY: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("gelderland-personalised-learning", "general"): [
        ("marieke@demo.kring.eu", "Welcome everyone! Please introduce yourself: school, subjects, "
         "and one thing you would like to try with your students this term."),
        ("daan@demo.kring.eu", "Hi, I'm Daan, I teach maths in group 6 in Nijmegen. I'd like to "
         "try **adaptive practice** without losing the whole-class discussion."),
        ("marieke@demo.kring.eu", "Great question, @daan-visser. Shall we collect examples of how "
         "others combine adaptive tools with classroom talk?"),

    ],
    ("european-learning-circle", "general"): [
        ("coordinator@demo.kring.eu", "This is the cross-border circle of all regional "
         "communities. Facilitators: please share what your community is working on."),
        ("katarzyna@demo.kring.eu", "Małopolska is testing short *digital exit tickets* in "
         "English lessons. Happy to share our template."),
        ("erik@demo.kring.eu", "Skåne is preparing first-time Erasmus+ applications; we'd love "
         "partner schools from Poland and Estonia."),
        ("kadri@demo.kring.eu", "Tartu hub can host peer visits in spring. Mentor schools have "
         "space for two visiting teachers each."),
    ],
    ("tartu-innovation-hub", "mentoring"): [
        ("kadri@demo.kring.eu", "Mentor pairs for this semester are up: each starting school "
         "gets one visit and two online co-planning sessions."),
    ],
}  # fmt: skip

EXIT_TICKET = """# Digital exit ticket (5 minutes)

1. One thing I learned today: ...
2. One thing I am not sure about yet: ...
3. How confident am I? (1-5)

Teacher: read the answers before the next lesson and start with the most common doubt.
"""
OBSERVATION_FORM = """# Peer visit: observation form

- What did the students do with the technology?
- Where did the teacher step in, and why?
- One idea the visiting teacher takes home.
"""
# (community, author, fields, file name and text or a link, adaptation of (community, title))
MATERIALS: list[dict[str, Any]] = [
    {"community": "european-learning-circle", "author": "katarzyna@demo.kring.eu",
     "title": "Digital exit tickets: a 5-minute template", "resource_type": "assessment",
     "description": "Three questions at the end of a lesson, answered on tablets or paper. "
                    "Used in English lessons in Kraków; works in any subject.",
     "subjects": ["English", "any subject"], "tags": ["formative assessment", "exit ticket"],
     "age_min": 10, "age_max": 16, "isced_level": 2, "language": "en", "licence": "CC-BY-SA-4.0",
     "file": ("exit-ticket.md", EXIT_TICKET),
     "comments": [("erik@demo.kring.eu", "Tried this in year 7 science, the confidence scale "
                   "was the most useful part."),
                  ("kadri@demo.kring.eu", "Could we add a version with emoji for younger pupils?")],
     "used_by": ["erik@demo.kring.eu", "daan@demo.kring.eu"]},
    {"community": "gelderland-personalised-learning", "author": "daan@demo.kring.eu",
     "title": "Exit tickets in groep 6", "language": "nl", "age_min": 9, "age_max": 10,
     "isced_level": 1, "description": "Vertaald en vereenvoudigd voor groep 6 (rekenen).",
     "subjects": ["rekenen"], "adapts": ("european-learning-circle",
                                          "Digital exit tickets: a 5-minute template")},
    {"community": "gelderland-personalised-learning", "author": "marieke@demo.kring.eu",
     "title": "Fractions with an online simulation", "resource_type": "tool",
     "description": "A free simulation where pupils build fractions; our lesson notes are in "
                    "the thread.", "subjects": ["maths"], "tags": ["fractions", "simulation"],
     "age_min": 8, "age_max": 12, "isced_level": 1, "language": "en", "licence": "CC-BY-4.0",
     "url": "https://phet.colorado.edu/en/simulations/fractions-intro"},
    {"community": "tartu-innovation-hub", "author": "kadri@demo.kring.eu",
     "title": "Peer visit observation form", "resource_type": "tool",
     "description": "What mentor schools and visiting teachers fill in during a peer visit.",
     "subjects": ["school development"], "tags": ["mentoring", "peer visit"],
     "language": "en", "licence": "CC-BY-NC-4.0", "file": ("observation-form.md", OBSERVATION_FORM)},
]  # fmt: skip


class Command(BaseCommand):
    help = "Load Kring's demo communities, teachers and history (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's history is written in one go, not typed by a teacher too fast.
        with override_settings(KRING_RATE_LIMITS=ratelimit.unlimited()):
            self._load()

    def _load(self) -> None:
        with transaction.atomic():
            users = {t["email"]: self._teacher(t) for t in TEACHERS}
            for spec in COMMUNITIES:
                self._community(spec, users)
            for (slug, room_name), lines in HISTORY.items():
                room = Room.objects.get(community__slug=slug, name=room_name)
                if room.last_seq:
                    continue
                for email, body in lines:
                    services.message_post(room_id=room.pk, author=users[email], body=body)
            for spec in MATERIALS:
                self._material(dict(spec), users)
            seed_events(users, {t["email"]: t["country"] for t in TEACHERS})
            # The network, proposals, an archived room, a logo, toolkits (issue 11).
            running.seed(users, self._teacher)
            # Reactions, a conversation of two and a cross-border group (issue 17).
            chat.seed(users)
            # Schools, self-assessments and mentoring in the Tartu hub (issue 13).
            seed_schools(users, self._teacher)
            # Weeks of activity and targets for the Analytics tab (issue 16).
            analytics.seed(users, self._teacher)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(TEACHERS)} teachers, {len(COMMUNITIES)} communities, "
                f"{len(MATERIALS)} teaching materials, 3 events. "
                f"Password for every demo login: {DEMO_PASSWORD}"
            )
        )

    def _teacher(self, spec: dict[str, Any]) -> User:
        user = User.objects.filter(email=spec["email"]).first()
        if user is None:
            user = User.objects.create_user(
                email=spec["email"],
                password=DEMO_PASSWORD,
                display_name=spec["name"],
                is_staff=spec.get("staff", False),
                is_superuser=spec.get("staff", False),
            )
            services.profile_update(
                user=user,
                country=spec["country"],
                school=spec["school"],
                subjects=spec["subjects"],
                languages=spec["languages"],
                age_groups=spec["age_groups"],
                interests=spec["interests"],
                bio=BIOS.get(spec["email"], ""),
                discoverable=spec.get("discoverable", True),
            )
            self._verify_email(user)
        return user

    def _verify_email(self, user: User) -> None:

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )

    def _community(self, spec: dict[str, Any], users: dict[str, User]) -> Community:
        community = Community.objects.filter(slug=spec["slug"]).first()
        if community is None:
            community = services.community_create(
                creator=users[spec["facilitator"]],
                slug=spec["slug"],
                name=spec["name"],
                kind=spec["kind"],
                countries=spec["countries"],
                region=spec["region"],
                languages=spec["languages"],
                join_policy=spec["join_policy"],
                description=spec["description"],
            )
            for name, topic in spec["rooms"]:
                services.room_create(community=community, name=name, topic=topic)
        for email, role in spec["members"].items():
            Membership.objects.get_or_create(
                community=community, user=users[email], defaults={"role": role}
            )
        for email, message in spec.get("pending", {}).items():
            Membership.objects.get_or_create(
                community=community,
                user=users[email],
                defaults={"state": "pending", "request_message": message},
            )
        return community

    def _material(self, spec: dict[str, Any], users: dict[str, User]) -> None:
        community = Community.objects.get(slug=spec.pop("community"))
        if Resource.objects.filter(community=community, title=spec["title"]).exists():
            return
        author = users[spec.pop("author")]
        comments = spec.pop("comments", [])
        used_by = spec.pop("used_by", [])
        if "file" in spec:
            name, text = spec.pop("file")
            spec["upload"] = SimpleUploadedFile(name, text.encode(), content_type="text/markdown")
        adapts = spec.pop("adapts", None)
        if adapts:
            source = Resource.objects.get(community__slug=adapts[0], title=adapts[1])
            resource = materials.resource_adapt(
                actor=author, source=source.versions.order_by("-number").first(),
                community=community, **spec,
            )  # fmt: skip
        else:
            resource = materials.resource_share(actor=author, community=community, **spec)
        for email, body in comments:
            services.message_post(room_id=resource.thread_id, author=users[email], body=body)
        for email in used_by:
            materials.reaction_set(actor=users[email], resource=resource, kind="used_in_class")
