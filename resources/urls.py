from django.urls import path

from . import toolkit_views, views

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
    path("toolkits/", toolkit_views.toolkit_list, name="toolkits"),
    path("toolkits/<slug:slug>/", toolkit_views.toolkit_detail, name="toolkit"),
    path("toolkits/<slug:slug>/edit/", toolkit_views.toolkit_edit, name="toolkit_edit"),
    path(
        "toolkits/<slug:slug>/materials/<int:resource_id>/",
        toolkit_views.public_material,
        name="public_material",
    ),
    path(
        "toolkits/<slug:slug>/materials/<int:resource_id>/download",
        toolkit_views.public_download,
        name="public_download",
    ),
    path("c/<slug:slug>/toolkits/new/", toolkit_views.toolkit_new, name="toolkit_new"),
    path("sitemap.xml", toolkit_views.sitemap, name="sitemap"),
    path("robots.txt", toolkit_views.robots, name="robots"),
]
