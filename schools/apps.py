from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    """Schools, self-assessment and school-to-school mentoring in hubs: above the domain
    apps (it lists a school's materials and suggests materials for its weakest areas), and
    plugged into the floors below through their registries."""

    name = "schools"
    verbose_name = "Schools and mentoring"

    def ready(self) -> None:
        from django.conf import settings
        from django.utils.translation import gettext_lazy

        from community.models import RoomKind
        from community.registry import RoomKindHooks, room_kinds
        from core import gdpr, learning, outbox
        from resources.registry import material_areas

        from . import instrument, room_rules, selectors
        from .learning import self_assessments_since
        from .services import mentoring
        from .services import schools as schools_services

        room_kinds.register(
            RoomKind.MENTORING,
            RoomKindHooks(
                page_url=room_rules.page_url,
                label=room_rules.label,
                private=True,
                guest=room_rules.is_reader,
            ),
        )
        for area in instrument.instrument().areas:
            # Translated each time it is shown, in the reader's language.
            material_areas.register(area.key, gettext_lazy(area.title))
        outbox.periodic.register(
            "mentoring_reminders",
            outbox.PeriodicTask(
                settings.KRING_MENTORING_REMINDER_CHECK_SECONDS, mentoring.reminders_send
            ),
        )
        learning.sources.register("schools.self_assessment", self_assessments_since)
        gdpr.exporters.register("schools", lambda user: selectors.export_of(user=user))
        gdpr.erasers.register(
            "schools", lambda user, _erase: schools_services.teacher_school_data_erase(user=user)
        )
