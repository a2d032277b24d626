from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("c/<slug:slug>/analytics/", views.dashboard, name="dashboard"),
    path("coordinate/programme/", views.programme, name="programme"),
    path("me/learning-records/", views.learning_records, name="mine"),
]
