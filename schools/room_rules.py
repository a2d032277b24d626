"""What the community app asks of a mentoring pair's room (registered in
``SchoolsConfig.ready``): it is private to the confirmed teachers of the pair's two schools
(whether or not they are members of the hub), and shown on the pair's page."""

from __future__ import annotations

from typing import Any

from .models import Pairing
from .permissions import is_pair_teacher


def pairing_of(room: Any) -> Pairing | None:
    return Pairing.objects.filter(room_id=room.pk).first()


def is_reader(user: Any, room: Any) -> bool:
    pairing = pairing_of(room)
    return pairing is not None and is_pair_teacher(user, pairing)


def page_url(room: Any) -> str:
    pairing = pairing_of(room)
    return f"/mentoring/{pairing.pk}/room/" if pairing is not None else "/schools/"


def label(room: Any) -> str:
    return f"“{room.topic or room.name}”"
