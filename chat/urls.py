from django.urls import path

from . import views, views_files, views_search

app_name = "chat"

urlpatterns = [
    path("messages/", views.conversation_list, name="list"),
    path("messages/start/", views.conversation_start, name="start"),
    path("messages/block/", views.block, name="block"),
    path("messages/unblock/", views.unblock, name="unblock"),
    path("messages/settings/", views.chat_settings, name="settings"),
    path("messages/<int:room_id>/", views.conversation_detail, name="conversation"),
    path("search/", views_search.search_page, name="search"),
    path("files/<str:key>/", views_files.file_open, name="file"),
    path("files/<str:key>/thumbnail", views_files.file_thumbnail, name="thumbnail"),
    path("files/<str:key>/save/", views_files.file_save, name="file_save"),
]
