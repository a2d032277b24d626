from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("events/", views.mine, name="mine"),
    path("events/<int:event_id>/", views.detail, name="detail"),
    path("events/<int:event_id>/rsvp/", views.rsvp, name="rsvp"),
    path("events/<int:event_id>/edit/", views.edit, name="edit"),
    path("events/<int:event_id>/cancel/", views.cancel, name="cancel"),
    path("events/<int:event_id>/notes/", views.notes, name="notes"),
    path("events/<int:event_id>/attendance/", views.attendance, name="attendance"),
    path("events/<int:event_id>/attendees.csv", views.attendees_csv, name="attendees_csv"),
    path("events/<int:event_id>/event.ics", views.ics, name="ics"),
    path("c/<slug:slug>/events/", views.calendar, name="calendar"),
    path("c/<slug:slug>/events/new/", views.create, name="create"),
    path("c/<slug:slug>/events/organisers/", views.organisers, name="organisers"),
]
