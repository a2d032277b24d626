from django.urls import path

from . import views

app_name = "networking"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/dismiss/", views.dismiss, name="dismiss"),
    path("people/<str:handle>/", views.profile, name="profile"),
]
