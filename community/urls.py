from django.urls import path

from . import views, views_logo

app_name = "community"

urlpatterns = [
    path("", views.home, name="home"),
    path("communities/", views.directory, name="directory"),
    path("c/<slug:slug>/", views.community_detail, name="detail"),
    path("c/<slug:slug>/join/", views.community_join, name="join"),
    path("c/<slug:slug>/leave/", views.community_leave, name="leave"),
    path("c/<slug:slug>/logo", views_logo.community_logo, name="logo"),
    path("c/<slug:slug>/rooms/<int:room_id>/", views.room_detail, name="room"),
    path("me/profile/", views.profile_edit, name="profile"),
    path("me/language/", views.language_choose, name="language"),
    path("me/delete/", views.account_delete, name="delete_account"),
]
