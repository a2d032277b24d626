from django.urls import path

from . import views, views_mentoring

app_name = "schools"

urlpatterns = [
    path("schools/", views.school_list, name="list"),
    path("schools/<int:school_id>/", views.school_detail, name="detail"),
    path("schools/<int:school_id>/edit/", views.school_edit, name="edit"),
    path("schools/<int:school_id>/link/", views.school_link, name="link"),
    path(
        "schools/<int:school_id>/links/<int:link_id>/",
        views.school_link_action,
        name="link_action",
    ),
    path("schools/<int:school_id>/assessment/", views.assessment, name="assessment"),
    path("schools/<int:school_id>/answers/", views.answers, name="answers"),
    path("c/<slug:slug>/mentoring/", views_mentoring.hub_mentoring, name="hub_mentoring"),
    path("mentoring/<int:pairing_id>/", views_mentoring.pairing_detail, name="pairing"),
    path("mentoring/<int:pairing_id>/room/", views_mentoring.pairing_room, name="pairing_room"),
]
