from django.urls import path

from . import views

app_name = "facilitators"

urlpatterns = [
    path("c/<slug:slug>/facilitate/", views.dashboard, name="dashboard"),
    path("invite/<str:token>/", views.invitation, name="invitation"),
]
