"""factory_boy factories for Kring's models."""

from __future__ import annotations

import factory

from community.models import Community, CommunityKind, JoinPolicy, Membership, Profile, Room, User
from core.roles import Role

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"teacher{n}@school.test")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    country = "NL"
    school = "Test school"


class CommunityFactory(factory.django.DjangoModelFactory):
    """A community with its `general` room, like ``services.community_create`` makes."""

    class Meta:
        model = Community
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"community-{n}")
    name = factory.Sequence(lambda n: f"Community {n}")
    kind = CommunityKind.REGIONAL
    countries = ["NL"]
    languages = ["nl", "en"]
    join_policy = JoinPolicy.OPEN
    description = "A learning community for tests."

    @factory.post_generation
    def general_room(obj, create, extracted, **kwargs):
        if create:
            Room.objects.create(community=obj, name="general", topic="Everything")


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"room-{n}")
    topic = "A topic"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    state = "active"
