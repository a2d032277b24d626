from django.urls import path

from . import views, views_event, views_scheduling

app_name = "events"

urlpatterns = [
    path("events/", views.mine, name="mine"),
    path("events/<int:event_id>/", views_event.detail, name="detail"),
    path("events/<int:event_id>/rsvp/", views_event.rsvp, name="rsvp"),
    path("events/<int:event_id>/edit/", views_scheduling.edit, name="edit"),
    path("events/<int:event_id>/cancel/", views_event.cancel, name="cancel"),
    path("events/<int:event_id>/notes/", views_event.notes, name="notes"),
    path("events/<int:event_id>/attendance/", views_event.attendance, name="attendance"),
    path("events/<int:event_id>/attendees.csv", views_event.attendees_csv, name="attendees_csv"),
    path("events/<int:event_id>/event.ics", views_event.ics, name="ics"),
    path("c/<slug:slug>/events/", views.calendar, name="calendar"),
    path("c/<slug:slug>/events/new/", views_scheduling.create, name="create"),
    path("c/<slug:slug>/events/organisers/", views.organisers, name="organisers"),
]
