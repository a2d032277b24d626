from django.urls import path

from . import views

app_name = "delivery"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/settings/", views.delivery_settings, name="settings"),
    path("notifications/<int:notification_id>/open/", views.notification_open, name="open"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sw.js", views.service_worker, name="service_worker"),
]
