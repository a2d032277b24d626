from django.urls import path

from .consumers import KringConsumer

websocket_urlpatterns = [
    path("ws/", KringConsumer.as_asgi()),
]
