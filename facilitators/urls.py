from django.urls import path

from . import views, views_coordination, views_running

app_name = "facilitators"

urlpatterns = [
    path("c/<slug:slug>/facilitate/", views.dashboard, name="dashboard"),
    path("c/<slug:slug>/settings/", views_running.community_settings, name="settings"),
    path("c/<slug:slug>/members/", views_running.members_table, name="members"),
    path("coordinate/", views_coordination.coordinate, name="coordinate"),
    path("communities/propose/", views_coordination.propose, name="propose"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
]
