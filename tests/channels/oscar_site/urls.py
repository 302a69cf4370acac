"""Only the REST API: the channel and the test buyers talk to ``/api/``."""

from django.urls import include, path

urlpatterns = [path("api/", include("oscarapi.urls"))]
