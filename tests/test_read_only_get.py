import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import path

from smdq.middleware import ReadOnlyGetError, ReadOnlyGetMiddleware
from territories.models import CLSM

pytestmark = pytest.mark.django_db


def writing_view(request):
    CLSM.objects.create(name=f"Créé par un {request.method}")
    return HttpResponse("ok")


@override_settings(ENFORCE_READ_ONLY_GET=True)
@pytest.mark.parametrize("method", ["get", "head"])
def test_get_and_head_cannot_write(method):
    request = getattr(RequestFactory(), method)("/")
    with pytest.raises(ReadOnlyGetError, match="ne doit pas écrire"), transaction.atomic():
        ReadOnlyGetMiddleware(writing_view)(request)
    assert not CLSM.objects.exists()


@override_settings(ENFORCE_READ_ONLY_GET=True)
def test_post_can_write_and_reads_are_fine():
    assert ReadOnlyGetMiddleware(writing_view)(RequestFactory().post("/")).status_code == 200
    assert CLSM.objects.count() == 1
    reading = ReadOnlyGetMiddleware(lambda request: HttpResponse(str(CLSM.objects.count())))
    assert reading(RequestFactory().get("/")).content == b"1"


def test_the_rule_is_on_in_tests(settings):
    assert settings.ENFORCE_READ_ONLY_GET


urlpatterns = [path("ecrit/", writing_view)]


@pytest.mark.urls(__name__)
def test_the_middleware_is_installed_in_the_stack(client):
    """Through the whole middleware stack: a GET that writes fails, the same POST does not."""
    with pytest.raises(ReadOnlyGetError), transaction.atomic():
        client.get("/ecrit/")
    assert not CLSM.objects.exists()
    assert client.post("/ecrit/").status_code == 200
