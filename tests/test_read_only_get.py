import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import path

from smdq.middleware import ReadOnlyGetError, ReadOnlyGetMiddleware, writes_on_get
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


urlpatterns = [
    path("ecrit/", writing_view),
    path("ecrit-par-choix/", writes_on_get(lambda request: writing_view(request))),
]


@pytest.mark.urls(__name__)
def test_the_middleware_is_installed_in_the_stack(client):
    """Through the whole middleware stack: a GET that writes fails, the same POST does not."""
    with pytest.raises(ReadOnlyGetError), transaction.atomic():
        client.get("/ecrit/")
    assert not CLSM.objects.exists()
    assert client.post("/ecrit/").status_code == 200
    assert client.get("/ecrit-par-choix/").status_code == 200  # a view marked writes_on_get
    assert CLSM.objects.count() == 2


def test_the_password_reset_link_writes_its_token_in_the_session_and_sets_the_password(client, alice):
    """Django's reset link keeps its token in the session (a GET that writes, marked `writes_on_get`) and redirects
    to the form; the new password then logs in."""
    import re

    from django.core import mail
    from django.urls import reverse

    client.post(reverse("password_reset"), {"email": alice.email})
    link = re.search(r"https?://\S+/comptes/mot-de-passe/reinitialiser/\S+/", mail.outbox[0].body).group()
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    password = "Une phrase de passe toute neuve 42"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(password)


def test_a_long_flash_message_does_not_make_the_next_page_write(login, claire, session_a):
    """A need typed from a paper sheet can be 1,000 characters: the message that quotes it once overflowed the
    message cookie into the session, and the next page, a GET, wrote the session to clear it."""
    import random

    from django.contrib.messages import get_messages
    from django.urls import reverse

    from evaluation.models import NeedCategory
    from evaluation.responses import Sheet, create_response

    # Letters that do not compress, as a real text of that length would not.
    letters = random.Random(12).choices([chr(c) for c in range(0x4E00, 0x9FFF)], k=980)
    text = "Être écouté·e " + "".join(letters) + " fin"
    response = create_response(session_a, Sheet(needs=[(text, None)]), channel="papier")
    need = response.needs.get()
    client = login(claire)
    category = NeedCategory.objects.first()
    posted = client.post(reverse("evaluation:need_assign", args=[need.pk]), {"category": category.pk})
    assert posted.status_code == 303
    page = client.get(posted["Location"])  # raises ReadOnlyGetError when the GET writes
    assert page.status_code == 200
    [message] = get_messages(page.wsgi_request)
    assert str(message).startswith(f"Besoin « {text[:100]}") and str(message).endswith("…")
    assert len(str(message)) <= 300


@override_settings(ENFORCE_READ_ONLY_GET=True)
def test_a_get_refuses_its_own_writes_not_those_of_a_thread_sharing_its_connection():
    """A live-server test on SQLite shares one connection between its threads: a GET served in one thread refused
    the participants another thread was saving at that moment (a flaky browser test)."""
    import threading

    from django.db import connections

    shared = connections["default"]
    serving, done = threading.Event(), threading.Event()

    def slow_view(request):
        serving.set()
        done.wait(10)
        return HttpResponse("ok")

    def serve_a_get():
        connections["default"] = shared  # as LiveServerThread does for an in-memory SQLite database
        ReadOnlyGetMiddleware(slow_view)(RequestFactory().get("/"))

    thread = threading.Thread(target=serve_a_get)
    thread.start()
    try:
        assert serving.wait(10)
        CLSM.objects.create(name="Enregistré pendant le GET d'un autre fil")
    finally:
        done.set()
        thread.join(10)
    assert CLSM.objects.count() == 1
