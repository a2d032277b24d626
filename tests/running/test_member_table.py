"""The facilitators' members table: what each row says, sorting, filters, pages, the CSV (in
the reader's time zone, named), and who may read it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from community import services
from community.models import Profile, RoomEvent, RoomReadState
from tests.conftest import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(community, room):
    """Four members: Anna (NL, wrote twice lately, read yesterday), Bob (PL, an old message
    only, read 40 days ago), Cleo (NL observer, never active), the facilitator Fenna."""
    now = timezone.now()
    fenna = make_member(community, role="facilitator", display_name="Fenna Facilitator")
    anna = make_member(community, display_name="Anna de Vries")
    bob = make_member(community, display_name="Bob Nowak")
    cleo = make_member(community, role="observer", display_name="=Cleo")
    for member, country, school in ((anna, "NL", "De Linde"), (bob, "PL", "Liceum 3"),
                                    (cleo, "NL", "+SUM(A1)")):  # fmt: skip
        Profile.objects.create(user=member.user, country=country, school=school)
    for body in ("one", "two"):
        services.message_post(room_id=room.pk, author=anna.user, body=body)
    old, _ = services.message_post(room_id=room.pk, author=bob.user, body="long ago")
    RoomEvent.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=45))
    for member, days in ((anna, 1), (bob, 40)):
        state = RoomReadState.objects.create(user=member.user, room=room, last_read_seq=1)
        RoomReadState.objects.filter(pk=state.pk).update(updated_at=now - timedelta(days=days))
    return {"fenna": fenna, "anna": anna, "bob": bob, "cleo": cleo, "community": community}


def _get(table, query: str = "", path: str = "member-table"):
    client = Client(HTTP_X_SESSION_TOKEN=table["fenna"].token)
    return client.get(f"/api/communities/{table['community'].slug}/{path}{query}")


def _names(answer) -> list[str]:
    return [row["user"]["name"] for row in answer.json()["results"]]


def test_each_row_says_where_from_since_when_and_how_active(table):
    rows = {r["user"]["name"]: r for r in _get(table).json()["results"]}
    anna = rows["Anna de Vries"]
    assert (anna["country"], anna["school"], anna["role"], anna["messages_30d"]) == (
        "NL",
        "De Linde",
        "member",
        2,
    )
    assert anna["last_active_at"] is not None
    assert rows["Bob Nowak"]["messages_30d"] == 0  # his message is older than 30 days
    assert rows["=Cleo"]["last_active_at"] is None


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["=Cleo", "Anna de Vries", "Bob Nowak", "Fenna Facilitator"]),
        ("-messages", ["Anna de Vries", "=Cleo", "Bob Nowak", "Fenna Facilitator"]),
        ("-role", ["Fenna Facilitator", "Anna de Vries", "Bob Nowak", "=Cleo"]),
        ("-last_active", ["Anna de Vries", "Bob Nowak", "=Cleo", "Fenna Facilitator"]),
        ("last_active", ["=Cleo", "Fenna Facilitator", "Bob Nowak", "Anna de Vries"]),
        ("country", ["Fenna Facilitator", "=Cleo", "Anna de Vries", "Bob Nowak"]),
    ],
)
def test_the_table_sorts_by_any_column(table, sort, expected):
    assert _names(_get(table, f"?sort={sort}")) == expected


def test_filters_by_role_country_and_inactivity(table):
    assert _names(_get(table, "?role=observer")) == ["=Cleo"]
    assert _names(_get(table, "?country=nl")) == ["=Cleo", "Anna de Vries"]
    inactive = _names(_get(table, "?inactive_days=30"))
    assert inactive == ["=Cleo", "Bob Nowak", "Fenna Facilitator"]  # never active counts too


def test_pages(table):
    first = _get(table, "?page_size=3").json()
    second = _get(table, "?page_size=3&page=2").json()
    assert (first["count"], first["pages"], len(first["results"])) == (4, 2, 3)
    assert [r["user"]["name"] for r in second["results"]] == ["Fenna Facilitator"]


def test_bad_filters_are_clear_errors(table):
    for query, field in (("?sort=email", "Sort by"), ("?role=king", "Unknown role"),
                         ("?country=NLD", "two-letter"), ("?inactive_days=0", "Inactive")):  # fmt: skip
        answer = _get(table, query)
        assert answer.status_code == 400
        assert field in answer.json()["detail"]


def test_the_csv_names_its_time_zone_and_defuses_formulas(table):
    fenna = table["fenna"].user
    fenna.timezone = "Europe/Warsaw"
    fenna.save(update_fields=["timezone"])
    answer = _get(table, "?sort=name", path="member-table.csv")
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0][6:8] == ["joined (Europe/Warsaw)", "last active (Europe/Warsaw)"]
    cleo = rows[1]
    assert (cleo[0], cleo[3]) == ("'=Cleo", "'+SUM(A1)")
    joined = timezone.localtime(
        table["cleo"].user.memberships.get().joined_at, ZoneInfo("Europe/Warsaw")
    )
    assert cleo[6] == joined.strftime("%Y-%m-%d %H:%M")


def test_members_cannot_read_the_table(table):
    client = Client(HTTP_X_SESSION_TOKEN=table["anna"].token)
    answer = client.get(f"/api/communities/{table['community'].slug}/member-table")
    assert answer.status_code == 403


def test_the_page_shows_the_table(table):
    client = Client()
    client.force_login(table["fenna"].user)
    page = client.get(f"/c/{table['community'].slug}/members/?sort=-messages")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("Anna de Vries") < body.index("Bob Nowak")
    assert 'aria-sort="descending"' in body


def test_country_and_school_follow_who_each_teacher_lets_see_them(table):
    # given Anna hiding her country from everyone, and a pending applicant whose school is
    # for members only and whose country is open but who is not discoverable
    Profile.objects.filter(user=table["anna"].user).update(visibility={"country": "nobody"})
    applicant = make_member(table["community"], state="pending", display_name="Pia Pending")
    Profile.objects.create(user=applicant.user, country="NL", school="Secret school")

    # when the facilitator reads the table, sorts it and filters it by country
    rows = {r["user"]["name"]: r for r in _get(table, "?state=pending").json()["results"]}
    active = {r["user"]["name"]: r for r in _get(table).json()["results"]}
    dutch = _names(_get(table, "?country=NL"))

    # then what is hidden is neither shown nor findable by filtering or sorting
    assert (rows["Pia Pending"]["country"], rows["Pia Pending"]["school"]) == ("", "")
    assert active["Anna de Vries"]["country"] == ""
    assert active["Anna de Vries"]["school"] == "De Linde"  # members may see it
    assert "Anna de Vries" not in dutch and "=Cleo" in dutch
    by_country = _names(_get(table, "?sort=-country"))
    assert by_country.index("Anna de Vries") > by_country.index("Bob Nowak")
