"""Demo data of chat (issue 17): reactions in Gelderland's general room, a conversation of
two in Dutch and a small cross-border group planning a school visit. Idempotent, through the
same services the pages use."""

from __future__ import annotations

from chat import services as chat
from chat.models import DirectConversation, MessageReaction
from community import services
from community.models import EventKind, Room, RoomEvent, User

GELDERLAND = "gelderland-personalised-learning"

# (message author, first words of the message) -> who reacts with what
REACTIONS = [
    ("daan@demo.kring.eu", "Hi, I'm Daan", [("marieke@demo.kring.eu", "👍"),
                                            ("marieke@demo.kring.eu", "🎉")]),
    ("marieke@demo.kring.eu", "Great question", [("daan@demo.kring.eu", "🙏")]),
]  # fmt: skip

PAIR = [
    ("marieke@demo.kring.eu", "Hoi Daan, heb je de rubric van de adaptieve oefenweek nog? "
     "Dan deel ik hem vrijdag in de bijeenkomst."),
    ("daan@demo.kring.eu", "Ja! Ik zet hem vanavond in de bibliotheek, met de aanpassingen "
     "voor groep 6."),
    ("marieke@demo.kring.eu", "Top, dank je 🙂"),
]  # fmt: skip

GROUP_TITLE = "School visit Kraków and Arnhem"
GROUP = [
    ("katarzyna@demo.kring.eu", "Hello both! Our head agreed: you are welcome on 12 March. "
     "Shall we plan a morning of lessons and an afternoon with the ICT team?"),
    ("marieke@demo.kring.eu", "Wonderful. Daan and I would love to see how you use the "
     "tablets in English lessons."),
    ("daan@demo.kring.eu", "I can bring the fractions simulation notes to swap."),
]  # fmt: skip


def _post_all(room_id: int, lines: list[tuple[str, str]], users: dict[str, User]) -> None:
    if Room.objects.get(pk=room_id).last_seq:
        return
    for email, body in lines:
        services.message_post(room_id=room_id, author=users[email], body=body)


def seed(users: dict[str, User]) -> None:
    general = Room.objects.get(community__slug=GELDERLAND, name="general")
    for author, start, reactions in REACTIONS:
        message = RoomEvent.objects.filter(
            room=general, kind=EventKind.MESSAGE, author=users[author], body__startswith=start
        ).first()
        if message is None:
            continue
        for email, emoji in reactions:
            if not MessageReaction.objects.filter(
                message=message, user=users[email], emoji=emoji
            ).exists():
                chat.reaction_toggle(actor=users[email], message_id=message.pk, emoji=emoji)
    pair, _ = chat.conversation_start(
        actor=users["marieke@demo.kring.eu"], user_ids=[users["daan@demo.kring.eu"].pk]
    )
    _post_all(pair.room_id, PAIR, users)
    group = DirectConversation.objects.filter(title=GROUP_TITLE).first()
    if group is None:
        group, _ = chat.conversation_start(
            actor=users["katarzyna@demo.kring.eu"],
            user_ids=[users["marieke@demo.kring.eu"].pk, users["daan@demo.kring.eu"].pk],
            title=GROUP_TITLE,
        )
    _post_all(group.room_id, GROUP, users)
