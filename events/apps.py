from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Events and meetings: a domain app beside facilitators and resources (independent of
    them). It plugs into the floors below through their registries."""

    name = "events"
    verbose_name = "Events and meetings"

    def ready(self) -> None:
        from community.models import RoomKind
        from community.registry import RoomKindHooks, home_panels, post_checks, room_kinds
        from core import gdpr, outbox

        from . import room_rules, selectors, views
        from .services import reminders, rsvps_withdraw_all

        room_kinds.register(
            RoomKind.EVENT, RoomKindHooks(page_url=room_rules.page_url, guest=room_rules.is_guest)
        )
        post_checks.register("event_room", room_rules.EVENT_ROOM_CHECK)
        outbox.job_kinds.register(reminders.REMINDER_JOB, reminders.reminder_job)
        outbox.periodic.register("event_reminders", reminders.PERIODIC)
        home_panels.register("next_events", views.home_panel)
        gdpr.exporters.register("events", lambda user: selectors.export_of(user=user))
        gdpr.erasers.register("events", lambda user, _erase_messages: rsvps_withdraw_all(user))
