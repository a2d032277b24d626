from django.urls import path

from . import views

app_name = "resources"

urlpatterns = [
    path("resources/", views.library, name="library"),
    path("resources/<int:resource_id>/", views.detail, name="detail"),
    path("resources/<int:resource_id>/adapt/", views.adapt, name="adapt"),
    path("resources/<int:resource_id>/edit/", views.edit, name="edit"),
    path("resources/<int:resource_id>/withdraw/", views.withdraw, name="withdraw"),
    path("resources/<int:resource_id>/restore/", views.restore, name="restore"),
    path("resources/<int:resource_id>/versions/new/", views.new_version, name="new_version"),
    path(
        "resources/<int:resource_id>/versions/<int:number>/download",
        views.download,
        name="download",
    ),
    path("c/<slug:slug>/resources/", views.library, name="community_library"),
    path("c/<slug:slug>/resources/share/", views.share, name="share"),
]
