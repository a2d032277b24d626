"""Random but realistic event streams for the analytics tests, written straight to the raw
tables with chosen times (the services stamp "now"; analytics is about the past)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from community.models import EventKind, Membership, Profile, Room, RoomEvent, RoomKind
from events.models import Event, Occurrence, Rsvp
from resources.models import Reaction, Resource, ResourceVersion
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

COUNTRIES = ["NL", "PL", "SE", "", "EE"]
BODIES = ["Hello all", "Who has tried this?", "Thanks!", "Any tips for grade 5?", "Great idea"]


@dataclass
class World:
    rng: random.Random
    today: dt.date
    community: Any
    other: Any
    users: list[Any]
    rooms: list[Any]
    resources: list[Any] = field(default_factory=list)
    messages: list[RoomEvent] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    seq: dict[int, int] = field(default_factory=dict)

    def moment(self, max_days: int = 120) -> dt.datetime:
        day = self.today - dt.timedelta(days=self.rng.randint(0, max_days))
        start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        return self.past(start + dt.timedelta(seconds=self.rng.randint(0, 86399)))

    def past(self, moment: dt.datetime) -> dt.datetime:
        """Streams are history: nothing after a few minutes ago."""
        return min(moment, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5))

    def person(self) -> Any:
        return self.rng.choice(self.users)


def make_world(seed: int, *, today: dt.date, people: int = 10) -> World:
    rng = random.Random(seed)
    community = CommunityFactory(languages=["nl"])
    other = CommunityFactory(languages=["pl"])
    users = []
    for n in range(people):
        user = UserFactory(display_name=f"Teacher {seed}-{n}")
        Profile.objects.update_or_create(user=user, defaults={"country": rng.choice(COUNTRIES)})
        membership = MembershipFactory(community=community, user=user)
        joined = dt.datetime.combine(
            today - dt.timedelta(days=rng.randint(0, 200)), dt.time(12), tzinfo=dt.UTC
        )
        Membership.objects.filter(pk=membership.pk).update(joined_at=joined)
        if rng.random() < 0.5:
            MembershipFactory(community=other, user=user)
        users.append(user)
    rooms = [
        community.rooms.get(name="general"),
        Room.objects.create(community=community, name="ideas"),
    ]
    return World(rng=rng, today=today, community=community, other=other, users=users, rooms=rooms)


def _event(world: World, room: Room, **fields: Any) -> RoomEvent:
    world.seq[room.pk] = world.seq.get(room.pk, 0) + 1
    created = fields.pop("created_at")
    event = RoomEvent.objects.create(room=room, seq=world.seq[room.pk], **fields)
    RoomEvent.objects.filter(pk=event.pk).update(created_at=created)
    event.created_at = created
    Room.objects.filter(pk=room.pk).update(last_seq=world.seq[room.pk])
    return event


def post(world: World) -> None:
    room = world.rng.choice(world.rooms)
    parent = None
    if world.messages and world.rng.random() < 0.5:
        parent = world.rng.choice([m for m in world.messages if m.reply_to_id is None] or [None])
    if parent is not None and parent.room_id == room.pk:
        created = world.past(
            parent.created_at + dt.timedelta(minutes=world.rng.randint(1, 60 * 72))
        )
        if created <= parent.created_at:
            created = parent.created_at + dt.timedelta(seconds=1)
    else:
        parent = None
        created = world.moment()
    message = _event(
        world,
        room,
        kind=EventKind.MESSAGE,
        author=world.person(),
        reply_to=parent,
        body=world.rng.choice(BODIES),
        created_at=created,
    )
    world.messages.append(message)


def delete_message(world: World) -> None:
    live = [m for m in world.messages if m.deleted_at is None]
    if not live:
        return
    message = world.rng.choice(live)
    message.deleted_at = max(
        world.past(message.created_at + dt.timedelta(hours=1)), message.created_at
    )
    RoomEvent.objects.filter(pk=message.pk).update(deleted_at=message.deleted_at, body="")
    _event(
        world,
        message.room,
        kind=EventKind.DELETE,
        author=message.author,
        target=message,
        created_at=message.deleted_at,
    )


def share(world: World, *, adapt: bool = False) -> None:
    community = world.community if world.rng.random() < 0.7 else world.other
    source = world.rng.choice(world.resources) if adapt and world.resources else None
    created = world.moment()
    if source is not None and created < source.created_at:
        created = world.past(source.created_at + dt.timedelta(hours=2))
        if created <= source.created_at:
            return
    thread = Room.objects.create(
        community=community, name=f"material-{len(world.resources)}", kind=RoomKind.RESOURCE
    )
    resource = Resource.objects.create(
        community=community,
        title=f"Material {len(world.resources)}",
        language="nl",
        licence="CC-BY-4.0",
        author=world.person(),
        thread=thread,
        adapted_from=source.versions.first() if source else None,
    )
    ResourceVersion.objects.create(resource=resource, number=1, url="https://example.org/x")
    Resource.objects.filter(pk=resource.pk).update(created_at=created)
    resource.created_at = created
    world.resources.append(resource)


def react(world: World) -> None:
    if not world.resources:
        return
    resource = world.rng.choice(world.resources)
    kind = world.rng.choice(["used_in_class", "useful"])
    reaction, made = Reaction.objects.get_or_create(
        resource=resource, user=world.person(), kind=kind
    )
    if made:
        moment = max(world.moment(), resource.created_at)
        Reaction.objects.filter(pk=reaction.pk).update(created_at=moment)
        reaction.created_at = moment
        world.reactions.append(reaction)


def meet(world: World) -> None:
    starts = world.moment(max_days=100).replace(minute=0, second=0)
    room = Room.objects.create(
        community=world.community, name=f"event-{world.rng.random():.8f}", kind=RoomKind.EVENT
    )
    event = Event.objects.create(
        community=world.community,
        title="Regional session",
        timezone="Europe/Amsterdam",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        format="online",
        online_url="https://meet.example.org/x",
        room=room,
    )
    occurrence = Occurrence.objects.create(
        event=event, original_start=starts, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    for user in world.rng.sample(world.users, world.rng.randint(1, min(6, len(world.users)))):
        Rsvp.objects.create(
            occurrence=occurrence,
            user=user,
            status="going",
            attended=world.rng.choice([True, True, False, None]),
        )


def unreact(world: World, *, recent_days: int) -> None:
    """Taking a reaction back (a removed row: only the settling pass sees it)."""
    recent = [
        r
        for r in world.reactions
        if r.created_at.date() >= world.today - dt.timedelta(days=recent_days)
    ]
    if recent:
        reaction = world.rng.choice(recent)
        world.reactions.remove(reaction)
        Reaction.objects.filter(pk=reaction.pk).delete()


ACTIONS = [(post, 10), (delete_message, 1), (share, 2), (react, 3), (meet, 1)]


def random_step(world: World) -> None:
    r = world.rng.random()
    if r < 0.05:
        share(world, adapt=True)
        return
    total = sum(w for _, w in ACTIONS)
    pick = world.rng.uniform(0, total)
    for action, weight in ACTIONS:
        pick -= weight
        if pick <= 0:
            action(world)
            return
