"""Demo data of communities that run themselves (issue 11): the European circle's network,
proposals waiting for and decided by the coordinator, a logo, an archived room, and
toolkits (one public). Idempotent, through the same services the pages use."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from community import services
from community.models import CircleLink, Community, Room, User
from facilitators import services as facilitation
from facilitators.models import CommunityProposal
from resources import services as materials
from resources import toolkit_services as toolkits
from resources.models import Resource, Toolkit

CIRCLE = "european-learning-circle"
NETWORK = [
    "gelderland-personalised-learning",
    "malopolska-cyfrowa-szkola",
    "skane-larande-natverk",
    "tartu-innovation-hub",
    "vlaanderen-erasmus-starters",
]
PROPOSER = {"email": "hanna@demo.kring.eu", "name": "Hanna Virtanen", "country": "FI",
            "school": "Espoon yhteiskoulu", "subjects": ["mathematics", "ICT"],
            "languages": ["fi", "sv", "en"], "age_groups": ["lower_secondary"],
            "interests": ["digital pedagogy", "teacher networks"]}  # fmt: skip
PROPOSALS = [
    {"proposer": "hanna@demo.kring.eu", "name": "Uusimaa: digitaalinen pedagogiikka",
     "kind": "regional", "countries": ["FI"], "region": "Uusimaa", "languages": ["fi", "sv"],
     "reason": "Teachers around Espoo and Helsinki want to share how they use learning "
               "analytics in lower secondary. Two colleagues would co-facilitate with me."},
    {"proposer": "lina@demo.kring.eu", "name": "Lund primary teachers", "kind": "regional",
     "countries": ["SE"], "region": "Skåne", "languages": ["sv"],
     "reason": "A place for primary teachers in Lund to exchange portfolio practices.",
     "declined": "Skåne lärande nätverk already covers Lund: ask Erik for a room on "
                 "portfolios there, so your colleagues across Skåne can join in."},
]  # fmt: skip
ARCHIVED_ROOM = ("gelderland-personalised-learning", "projectweek-2025",
                 "Project week 2025: planning and reports",
                 [("marieke@demo.kring.eu", "Project week reports are in; thank you all! "
                   "This room will be archived, the reports stay readable here.")])  # fmt: skip
LEADERS_GUIDE = {
    "community": "tartu-innovation-hub", "author": "kadri@demo.kring.eu",
    "title": "Learning analytics dashboard: a guide for school leaders", "resource_type": "tool",
    "description": "How our mentor schools read the dashboard together with visiting leaders. "
                   "Not for redistribution: it shows our partner's screens.",
    "subjects": ["school development"], "tags": ["learning analytics", "school leaders"],
    "language": "en", "licence": "LicenseRef-All-Rights-Reserved",
    "url": "https://example.org/tartu-hub/analytics-guide",
}  # fmt: skip
TOOLKITS = [
    {"community": CIRCLE, "title": "Starter kit: personalised learning in primary",
     "language": "en", "public": True,
     "introduction": "Five materials that teachers in our regional communities used in primary "
                     "classes when they started with **personalised learning with ICT**.\n\n"
                     "1. Start with a short *exit ticket* to hear where each pupil is.\n"
                     "2. Let pupils practise at their own level with a simulation.\n"
                     "3. Visit a colleague: the observation form helps you both look at one thing.",
     "items": [("european-learning-circle", "Digital exit tickets: a 5-minute template",
                "The quickest way to start: three questions at the end of a lesson."),
               ("gelderland-personalised-learning", "Exit tickets in groep 6",
                "The same, adapted for maths in Dutch primary (groep 6)."),
               ("gelderland-personalised-learning", "Fractions with an online simulation",
                "Practice at each pupil's own pace."),
               ("tartu-innovation-hub", "Peer visit observation form",
                "For a visit to a mentor school."),
               ("tartu-innovation-hub", LEADERS_GUIDE["title"],
                "For your school leader (members only: not openly licensed).")]},
    {"community": "tartu-innovation-hub", "title": "Digital toolbox for school leaders",
     "language": "en", "public": False,
     "introduction": "What mentor schools share with leaders of schools that are starting out.",
     "items": [("tartu-innovation-hub", LEADERS_GUIDE["title"], ""),
               ("tartu-innovation-hub", "Peer visit observation form", "")]},
]  # fmt: skip


def _logo_png() -> bytes:
    """A small logo drawn here (no downloads): a ring in Kring's blue."""
    image = Image.new("RGBA", (128, 128), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, 116, 116), outline=(29, 78, 216, 255), width=18)
    draw.ellipse((52, 52, 76, 76), fill=(22, 128, 61, 255))
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def seed(users: dict[str, User], teacher: Any) -> None:
    """``teacher(spec)`` creates a demo teacher like seed_demo's own."""
    users[PROPOSER["email"]] = teacher(PROPOSER)
    coordinator = users["coordinator@demo.kring.eu"]
    circle = Community.objects.get(slug=CIRCLE)
    for slug in NETWORK:
        community = Community.objects.get(slug=slug)
        if not CircleLink.objects.filter(circle=circle, community=community).exists():
            services.network_link(actor=coordinator, community=community, circle=circle)
    for spec in PROPOSALS:
        _proposal(dict(spec), users, coordinator)
    _archived_room(users)
    gelderland = Community.objects.get(slug="gelderland-personalised-learning")
    if not gelderland.logo:
        services.community_logo_set(
            actor=users["marieke@demo.kring.eu"],
            community=gelderland,
            upload=SimpleUploadedFile("gelderland.png", _logo_png(), content_type="image/png"),
        )
    guide = dict(LEADERS_GUIDE)
    hub = Community.objects.get(slug=guide.pop("community"))
    if not Resource.objects.filter(community=hub, title=guide["title"]).exists():
        materials.resource_share(actor=users[guide.pop("author")], community=hub, **guide)
    for spec in TOOLKITS:
        _toolkit(dict(spec), users, coordinator)


def _proposal(spec: dict[str, Any], users: dict[str, User], coordinator: User) -> None:
    if CommunityProposal.objects.filter(name=spec["name"]).exists():
        return
    declined = spec.pop("declined", None)
    proposal = facilitation.proposal_create(proposer=users[spec.pop("proposer")], **spec)
    if declined:
        facilitation.proposal_decline(actor=coordinator, proposal=proposal, reason=declined)


def _archived_room(users: dict[str, User]) -> None:
    slug, name, topic, lines = ARCHIVED_ROOM
    community = Community.objects.get(slug=slug)
    if Room.objects.filter(community=community, name=name).exists():
        return
    facilitator = users["marieke@demo.kring.eu"]
    room = services.room_add(actor=facilitator, community=community, name=name, topic=topic)
    for email, body in lines:
        services.message_post(room_id=room.pk, author=users[email], body=body)
    services.room_archive(actor=facilitator, room=room, reason="Project week is over.")


def _toolkit(spec: dict[str, Any], users: dict[str, User], coordinator: User) -> None:
    if Toolkit.objects.filter(title=spec["title"]).exists():
        return
    community = Community.objects.get(slug=spec["community"])
    toolkit = toolkits.toolkit_create(
        actor=coordinator,
        community=community,
        title=spec["title"],
        introduction=spec["introduction"],
        language=spec["language"],
    )
    items = [
        (Resource.objects.get(community__slug=slug, title=title).pk, note)
        for slug, title, note in spec["items"]
    ]
    toolkits.toolkit_items_set(actor=coordinator, toolkit=toolkit, items=items)
    if spec["public"]:
        toolkits.toolkit_update(actor=coordinator, toolkit=toolkit, public=True)
