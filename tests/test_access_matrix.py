"""Every URL of the project, for every role, answers as the table below says.

The URL list comes from the URL configuration itself: a new page fails this test until it has its line in
EXPECTED. Objects of another CLSM answer 404, never 403 (no existence leak). Only GET is walked here (GET never
writes: smdq/middleware.py); the writes are tested page by page in each feature's tests.
"""

from datetime import date

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from evaluation.models import BilanDocument, BilanEdition, FollowUp, Need, NeedCategory, QuestionnaireLink
from evaluation.responses import Sheet, create_response
from imports.models import PendingImport
from sessions_app.models import AwarenessSession
from tests.factories import ParticipantFactory, SessionRequestFactory

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "own_coordinator",
    "other_coordinator",
    "staff",
    "funder",
    "admin",
    "local_animator",  # Léa, local animator of CLSM A, animates session A (a session CLSM A runs itself)
    "other_local_animator",  # Léo, local animator of CLSM B
)
LOGIN = 302  # to the log-in page


def row(anonymous, own, other, staff, funder, admin=None, local=None, other_local=None):
    """Local animators work on their sessions' pages only (SESSION_WORK below); every other page refuses them
    (403) when it needs a log-in, and answers them as it answers anyone when it is public."""
    default_local = 403 if anonymous == LOGIN else anonymous
    local = default_local if local is None else local
    other_local = local if other_local is None else other_local
    admin = staff if admin is None else admin
    return dict(zip(ROLES, (anonymous, own, other, staff, funder, admin, local, other_local), strict=True))


def session_work(base, local=200, other_local=404):
    """A page of one session's work: its local animator too; a local animator of another CLSM gets 404."""
    return {**base, "local_animator": local, "other_local_animator": other_local}


EVERYONE = row(200, 200, 200, 200, 200)
LOGGED_IN = row(LOGIN, 200, 200, 200, 200)
STAFF = row(LOGIN, 403, 403, 200, 403)
OWN_CLSM = row(LOGIN, 200, 404, 200, 200)  # an object of CLSM A: its coordinator, staff, funder (read only)
OWN_CLSM_WRITE = row(LOGIN, 200, 404, 200, 403)  # a page that changes an object of CLSM A
OWN_CLSM_STAFF_ONLY = row(LOGIN, 403, 404, 200, 403)  # individual responses: the national centre only
POST_ONLY = row(405, 405, 405, 405, 405)
NO_FUNDER = row(LOGIN, 200, 200, 200, 403)

EXPECTED = {
    "home": row(LOGIN, 200, 200, 200, 200, local=200),
    "login": row(200, 302, 302, 302, 302, local=302),  # a logged-in user is sent on to the home page
    "logout": POST_ONLY,
    "password_change": row(LOGIN, 200, 200, 200, 200, local=200),
    "profile": row(LOGIN, 200, 200, 200, 200, local=200),
    "password_change_done": row(LOGIN, 200, 200, 200, 200, local=200),
    "password_reset": EVERYONE,
    "password_reset_done": EVERYONE,
    "password_reset_confirm": EVERYONE,  # an invalid link: a page that says so
    "password_reset_complete": EVERYONE,
    "object_history": STAFF,
    "todo_sessions": STAFF,  # the lists behind the home page's « À faire »
    "accessibility": EVERYONE,  # the accessibility statement, linked from every page's footer
    # Territories
    "territories:clsm_list": LOGGED_IN,
    "territories:clsm_create": STAFF,
    "territories:clsm_detail": OWN_CLSM,
    "territories:clsm_edit": row(LOGIN, 403, 404, 200, 403),
    "territories:qpv_search": LOGGED_IN,
    "territories:commune_search": LOGGED_IN,
    # Onboarding: the national centre invites coordinators and reads the contact requests; the invitation link and
    # the contact form are public
    "territories:coordinator_list": STAFF,
    "territories:invitation_create": STAFF,
    "territories:coordinator_activation": POST_ONLY,
    "territories:invitation_resend": POST_ONLY,
    "territories:invitation_revoke": POST_ONLY,
    "territories:invitation_accept": EVERYONE,  # a valid link: the form to choose a password
    "territories:contact_request_create": EVERYONE,
    "territories:contact_thanks": EVERYONE,
    "territories:contact_request_list": STAFF,
    "territories:contact_request_detail": STAFF,
    "territories:contact_request_file": POST_ONLY,
    # Local animators: each coordinator invites their CLSM's, the national centre anyone's
    "territories:local_animator_list": row(LOGIN, 200, 200, 200, 403),
    "territories:local_animator_invite": row(LOGIN, 200, 200, 200, 403),
    "territories:local_animator_remove": POST_ONLY,
    # Imports
    "imports:upload": STAFF,
    "imports:confirm": POST_ONLY,
    "imports:detail": row(LOGIN, 403, 403, 200, 403, 404),  # the file's owner only (here the staff member)
    "imports:template": STAFF,
    # Requests: never the funder
    "sessions_app:request_list": NO_FUNDER,
    "sessions_app:request_create": NO_FUNDER,
    "sessions_app:request_detail": row(LOGIN, 200, 404, 200, 403),
    "sessions_app:request_review": POST_ONLY,
    "sessions_app:request_accept": row(LOGIN, 403, 404, 200, 403),
    "sessions_app:request_decline": POST_ONLY,
    "sessions_app:request_withdraw": POST_ONLY,
    # Sessions
    "sessions_app:session_list": row(LOGIN, 200, 200, 200, 200, local=200),  # theirs only (test_self_run)
    "sessions_app:session_calendar": row(LOGIN, 200, 200, 200, 200, local=200),  # theirs only, as the list
    "sessions_app:session_create": STAFF,
    # A territory's own sessions: its coordinator creates them; the national centre reviews them
    "sessions_app:self_run_create": row(LOGIN, 200, 200, 200, 403),
    "sessions_app:validation_list": STAFF,
    "sessions_app:session_validation": POST_ONLY,
    "sessions_app:session_detail": session_work(OWN_CLSM),
    "sessions_app:session_edit": OWN_CLSM_WRITE,
    "sessions_app:session_transition": POST_ONLY,
    "sessions_app:calendar_feed_settings": row(LOGIN, 200, 200, 200, 403, local=200),
    "sessions_app:calendar_feed": EVERYONE,  # the secret URL is the credential
    "sessions_app:sign_in_sheet": session_work(OWN_CLSM_WRITE),
    "sessions_app:participant_entry": session_work(OWN_CLSM_WRITE),
    "sessions_app:structure_search": row(LOGIN, 200, 200, 200, 403, local=200),
    "personal_data": STAFF,
    "personal_data_purge": STAFF,
    "task_runs": STAFF,
    # Questionnaires
    # ... and the local animators of a session their territory runs itself
    "evaluation:paper_entry": session_work(OWN_CLSM_STAFF_ONLY),
    "evaluation:sheet_edit": session_work(OWN_CLSM_STAFF_ONLY),
    "evaluation:sheet_delete": POST_ONLY,
    "evaluation:sheet_history": session_work(OWN_CLSM_STAFF_ONLY),
    "evaluation:public_questionnaire": row(410, 410, 410, 410, 410),  # the session of 2024 is long closed
    "evaluation:public_thanks": EVERYONE,
    "evaluation:link_page": session_work(OWN_CLSM_WRITE),
    "evaluation:qr_code": session_work(OWN_CLSM_WRITE),
    "evaluation:poster_pdf": session_work(OWN_CLSM_WRITE),
    "evaluation:paper_questionnaire_pdf": session_work(OWN_CLSM_WRITE),
    # Bilan
    "evaluation:dashboard": LOGGED_IN,
    "evaluation:bilan_chart": LOGGED_IN,
    "evaluation:bilan_json": LOGGED_IN,
    "evaluation:bilan_pdf": LOGGED_IN,
    "evaluation:bilan_xlsx": LOGGED_IN,
    "evaluation:responses_export": STAFF,  # one row per respondent: never the funder
    "evaluation:document_prepare": POST_ONLY,
    "evaluation:document_detail": row(LOGIN, 404, 404, 200, 404),  # the national centre's file
    "evaluation:document_download": row(LOGIN, 404, 404, 200, 404),
    "evaluation:edition_list": LOGGED_IN,
    "evaluation:edition_publish": POST_ONLY,
    "evaluation:edition_detail": LOGGED_IN,
    "evaluation:edition_pdf": LOGGED_IN,
    "evaluation:edition_json": LOGGED_IN,
    # Follow-up of effects
    "evaluation:followup_list": NO_FUNDER,
    "evaluation:followup_answer": row(LOGIN, 200, 404, 200, 403),
    # Needs
    "evaluation:needs_categorise": STAFF,
    "evaluation:need_assign": POST_ONLY,
    "evaluation:need_assign_bulk": POST_ONLY,
    # Kit: the catalogue is public
    "kit:catalogue": EVERYONE,
    "kit:sheet_detail": EVERYONE,
    "kit:propose": NO_FUNDER,
    "kit:my_sheets": NO_FUNDER,
    "kit:review_queue": STAFF,
    "kit:sheet_edit": row(LOGIN, 200, 404, 200, 404),
    "kit:review": POST_ONLY,
    "kit:resource_list": EVERYONE,
    # a coordinators' resource: not even its existence; local animators run sessions with it
    "kit:resource_download": row(404, 200, 200, 200, 404, local=200),
    "kit:session_kit": session_work(OWN_CLSM_WRITE),
    "kit:resource_create": STAFF,
    "kit:resource_edit": STAFF,
    "kit:resource_delete": STAFF,  # GET shows the confirmation page
}


def url_names(patterns=None, namespace=None):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.urlconf_module is admin_site.urls[0] or pattern.app_name == "admin":
                continue
            inner = pattern.namespace
            yield from url_names(
                pattern.url_patterns, f"{namespace}:{inner}" if namespace and inner else inner or namespace
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


@pytest.fixture
def world(alice, bob, claire, fanny, adam, lea_of_a, leo, clsm_a, clsm_b, session_a, settings, tmp_path):
    """One object of each kind, belonging to CLSM A (alice's). Session A is one CLSM A runs itself, animated by
    Claire and by Léa, its local animator."""
    AwarenessSession.objects.filter(pk=session_a.pk).update(mode="territoire", validation="en_attente")
    session_a.refresh_from_db()
    session_a.animators.add(lea_of_a)
    request_a = SessionRequestFactory(clsm=clsm_a, created_by=alice)
    create_response(session_a, Sheet(answers={"sat_logistique": 5}, needs=[("Des formations", None)]), channel="papier")
    ParticipantFactory(session=session_a)
    link = QuestionnaireLink.objects.create(session=session_a)
    need = Need.objects.get()
    followup = FollowUp.objects.create(session=session_a, due_on=date(2024, 9, 12))
    edition = BilanEdition.objects.create(
        scope_key="{}",
        scope_params={},
        label="Toutes les données",
        number=1,
        data={},
        data_fingerprint="x",
        pdf=b"%PDF-1.7",
        pdf_funder=b"%PDF-1.7",
    )
    document = BilanDocument.objects.create(
        kind="pdf",
        scope_key="{}",
        label="Toutes les données",
        hide_small=False,
        free_text=False,
        data_version="x",
        filename="bilan.pdf",
        state="prete",
        content=b"%PDF-1.7",
    )
    pending = PendingImport.objects.create(user=claire, kind="clsm", filename="x.csv", content=b"nom\nA\n")
    token = alice.rotate_calendar_token()
    from kit.models import ActionSheet

    published = ActionSheet.objects.published().first()
    proposal = ActionSheet.objects.create(
        title="Une action de Lille",
        slug="action-de-lille",
        proposed_by=alice,
        clsm=clsm_a,
        status=ActionSheet.Status.SUBMITTED,
    )
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.base import ContentFile

    from kit.models import Resource

    resource = Resource(
        title="Guide",
        kind="guide",
        version="v1",
        audience="coordinators",
        original_name="guide.pdf",
        size=9,
        content_type="application/pdf",
    )
    resource.file.save("guide.pdf", ContentFile(b"%PDF-1.7\n"), save=True)
    from territories.models import ContactRequest, Invitation

    invitation = Invitation.objects.create(email="nouvelle@clsm.fr", first_name="N", last_name="C", invited_by=claire)
    contact = ContactRequest.objects.create(
        clsm_name="CLSM inconnu", communes="Roubaix", first_name="P", last_name="Q", email="p@q.fr", client_key="k"
    )
    pk = session_a.pk
    kwargs = {
        "territories:invitation_accept": {"token": invitation.token},
        "todo_sessions": {"kind": "feuilles-a-saisir"},
        "territories:contact_request_detail": {"pk": contact.pk},
        "kit:resource_download": {"pk": resource.pk},
        "kit:resource_edit": {"pk": resource.pk},
        "kit:resource_delete": {"pk": resource.pk},
        "password_reset_confirm": {"uidb64": "MQ", "token": "invalide"},
        "object_history": {"kind": "seance", "pk": pk},
        "territories:clsm_detail": {"pk": clsm_a.pk},
        "territories:clsm_edit": {"pk": clsm_a.pk},
        "imports:confirm": {"pk": pending.pk},
        "imports:detail": {"pk": pending.pk},
        "imports:template": {"kind": "clsm"},
        "sessions_app:calendar_feed": {"token": token},
        "evaluation:sheet_edit": {"pk": pk, "number": 1},
        "evaluation:sheet_delete": {"pk": pk, "number": 1},
        "evaluation:public_questionnaire": {"token": link.token},
        "evaluation:public_thanks": {"token": link.token},
        "evaluation:bilan_chart": {"name": "profil"},
        "evaluation:edition_detail": {"pk": edition.pk},
        "evaluation:document_detail": {"pk": document.pk},
        "evaluation:document_download": {"pk": document.pk},
        "evaluation:edition_pdf": {"pk": edition.pk},
        "evaluation:edition_json": {"pk": edition.pk},
        "evaluation:followup_answer": {"pk": followup.pk},
        "evaluation:need_assign": {"pk": need.pk},
        "kit:sheet_detail": {"slug": published.slug},
        "kit:sheet_edit": {"slug": proposal.slug},
        "kit:review": {"slug": proposal.slug},
    }
    for name in ("request_detail", "request_review", "request_accept", "request_decline", "request_withdraw"):
        kwargs[f"sessions_app:{name}"] = {"pk": request_a.pk}
    for name in url_names():
        if name not in kwargs and "<int:pk>" in str(get_resolver().reverse_dict.getlist(name.split(":")[-1]) or ""):
            kwargs[name] = {"pk": pk}
    users = {
        "anonymous": None,
        "own_coordinator": alice,
        "other_coordinator": bob,
        "staff": claire,
        "funder": fanny,
        "admin": adam,
        "local_animator": lea_of_a,
        "other_local_animator": leo,
    }
    assert NeedCategory.objects.exists()
    return kwargs, users, pk


def _reverse(name, kwargs, default_pk):
    try:
        return reverse(name, kwargs=kwargs.get(name))
    except Exception:
        return reverse(name, kwargs={"pk": default_pk})


def test_every_url_is_in_the_table():
    missing = sorted(set(url_names()) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(url_names()))
    assert missing == [], f"pages sans ligne dans EXPECTED : {missing}"
    assert stale == [], f"lignes d'EXPECTED sans page : {stale}"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(world, role):
    kwargs, users, pk = world
    client = Client()
    if users[role]:
        client.force_login(users[role])
    wrong = {}
    for name in sorted(url_names()):
        url = _reverse(name, kwargs, pk)
        response = client.get(url)
        if response.streaming:  # read file downloads to their end, which closes them
            b"".join(response.streaming_content)
        if response.status_code != EXPECTED[name][role]:
            wrong[name] = (url, EXPECTED[name][role], response.status_code)
        if role == "anonymous" and response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), name
    assert wrong == {}


def test_matrix_size():
    assert len(EXPECTED) * len(ROLES) >= 8 * 70
