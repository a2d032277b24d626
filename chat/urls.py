from django.urls import path

from . import views, views_search

app_name = "chat"

urlpatterns = [
    path("messages/", views.conversation_list, name="list"),
    path("messages/start/", views.conversation_start, name="start"),
    path("messages/block/", views.block, name="block"),
    path("messages/unblock/", views.unblock, name="unblock"),
    path("messages/settings/", views.chat_settings, name="settings"),
    path("messages/<int:room_id>/", views.conversation_detail, name="conversation"),
    path("search/", views_search.search_page, name="search"),
]
