"""The kit's library of downloadable files: who sees and downloads what, the checks on uploaded files, and
files that are never reachable at a public address."""

import io
import zipfile
from html import unescape
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from kit import resources
from kit.models import Resource
from kit.resources import check_upload
from kit.storage import PRIVATE_FOLDER
from tests import hostile_files as hostile

pytestmark = pytest.mark.django_db

LIST = reverse("kit:resource_list")
CREATE = reverse("kit:resource_create")
PDF = hostile.pdf()
PUBLIC, COORDINATORS, STAFF = Resource.Audience.PUBLIC, Resource.Audience.COORDINATORS, Resource.Audience.STAFF


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Every test writes its files in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list[Path]:
    folder = Path(media) / PRIVATE_FOLDER
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def make_resource(title="Guide", audience=PUBLIC, *, published=True, content=PDF, name="guide.pdf", **fields):
    resource = Resource(
        title=title,
        kind=fields.pop("kind", Resource.Kind.GUIDE),
        version=fields.pop("version", "v1"),
        audience=audience,
        is_published=published,
        original_name=name,
        size=len(content),
        content_type="application/pdf",
        **fields,
    )
    resource.file.save(name, ContentFile(content), save=False)
    resource.save()
    return resource


def docx() -> bytes:
    return hostile.ooxml("docx")


def odf(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored first, uncompressed, as ODF requires
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def pdf_of_size(size: int) -> bytes:
    """A well-formed PDF of exactly `size` bytes (padded with a comment line)."""
    padded = hostile.pdf(b"%" + b"x" * (size - 2000) + b"\n1 0 obj << /Type /Catalog >> endobj\n")
    content = hostile.pdf(b"%" + b"x" * (size - 2000 + size - len(padded)) + b"\n1 0 obj << /Type /Catalog >> endobj\n")
    assert len(content) == size
    return content


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "bonjour")
    return buffer.getvalue()


def download(client, resource):
    response = client.get(reverse("kit:resource_download", args=[resource.pk]))
    # Reading the stream to its end closes the file, through the test client's own wrapper (calling close()
    # directly would fire request_finished and close the test's database connection).
    content = b"".join(response.streaming_content) if response.status_code == 200 else None
    return response, content


def form_data(**changes):
    data = {
        "title": "Diaporama de la séance",
        "kind": Resource.Kind.ANIMATION,
        "version": "v3",
        "audience": COORDINATORS,
        "description": "Les diapositives de l'animation de trois heures.",
        "is_published": "on",
    }
    data.update(changes)
    return data


# Who sees what ----------------------------------------------------------------------------------------------


@pytest.fixture
def library():
    return {
        "public": make_resource("Affiche du programme", PUBLIC, kind=Resource.Kind.OTHER),
        "coordinators": make_resource("Guide méthodologique de la séance", COORDINATORS),
        "staff": make_resource("Grille interne d'animation", STAFF, kind=Resource.Kind.ANIMATION),
        "unpublished": make_resource("Brouillon de guide", PUBLIC, published=False),
    }


# What each role gets when downloading each resource (coordinators: logged-in coordinators and the centre).
DOWNLOAD = {
    "anonymous": {"public": 200, "coordinators": 404, "staff": 404, "unpublished": 404},
    "alice": {"public": 200, "coordinators": 200, "staff": 404, "unpublished": 404},
    "bob": {"public": 200, "coordinators": 200, "staff": 404, "unpublished": 404},
    "fanny": {"public": 200, "coordinators": 404, "staff": 404, "unpublished": 404},
    "lea_of_a": {"public": 200, "coordinators": 200, "staff": 404, "unpublished": 404},  # she animates with the kit
    "claire": {"public": 200, "coordinators": 200, "staff": 200, "unpublished": 200},
    "adam": {"public": 200, "coordinators": 200, "staff": 200, "unpublished": 200},
}


@pytest.mark.parametrize("role", DOWNLOAD)
def test_each_role_downloads_exactly_what_it_may(role, request, client, library):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    got = {name: download(client, resource)[0].status_code for name, resource in library.items()}
    assert got == DOWNLOAD[role]


@pytest.mark.parametrize("role", DOWNLOAD)
def test_the_list_shows_each_role_what_it_may_download_and_nothing_else(role, request, client, library):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    for name, resource in library.items():
        link = reverse("kit:resource_download", args=[resource.pk])
        may = DOWNLOAD[role][name] == 200
        assert (escape(resource.title) in html) is may, (role, name)
        assert (link in html) is may, (role, name)


def test_the_list_groups_by_kind_and_tells_the_centre_what_is_unpublished(login, claire, library):
    html = login(claire).get(LIST).content.decode()
    assert html.index("Autre") > html.index("Guide méthodologique") > html.index("Supports d&#x27;animation")
    assert "non publiée" in html
    assert reverse("kit:resource_edit", args=[library["public"].pk]) in html
    assert reverse("kit:resource_delete", args=[library["public"].pk]) in html
    assert "Centre national uniquement" in html  # who each one is for


def test_the_coordinators_audience_names_the_local_animators_who_get_it_too(login, claire, library):
    """Local animators download the « coordinators » files: the label says so (the stored value is unchanged)."""
    label = "coordinateur·rices et animateur·rices locaux·ales des CLSM, centre national"
    client = login(claire)
    assert label[0].upper() + label[1:] in client.get(LIST).content.decode()
    choices = dict(client.get(CREATE).context["form"].fields["audience"].choices)
    assert choices[COORDINATORS] == label and "CLSM et centre national" not in str(choices)


def test_anonymous_visitors_are_invited_to_log_in_and_see_no_management_links(client, library):
    html = client.get(LIST).content.decode()
    assert "Connectez-vous" in html
    assert CREATE not in html
    assert reverse("kit:resource_edit", args=[library["public"].pk]) not in html


def test_a_coordinator_sees_no_management_links(login, alice, library):
    html = login(alice).get(LIST).content.decode()
    assert CREATE not in html
    assert reverse("kit:resource_delete", args=[library["coordinators"].pk]) not in html


def test_an_unknown_resource_is_404(client):
    assert client.get(reverse("kit:resource_download", args=[999999])).status_code == 404


# Downloads --------------------------------------------------------------------------------------------------


def test_download_streams_the_exact_bytes_under_the_original_name(login, alice):
    content = PDF + bytes(range(256)) * 40
    resource = make_resource("Guide", COORDINATORS, content=content, name="Guide méthodologique v2.pdf")
    response, body = download(login(alice), resource)
    assert response.status_code == 200
    assert body == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(content))
    disposition = response["Content-Disposition"]
    assert disposition == (
        "attachment; filename=\"Guide methodologique v2.pdf\"; filename*=UTF-8''Guide%20m%C3%A9thodologique%20v2.pdf"
    )
    assert response["Cache-Control"] == "private, no-store"  # restricted: never in a shared cache
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_public_resource_may_be_cached(client):
    response, body = download(client, make_resource("Affiche", PUBLIC, name="affiche.pdf"))
    assert body == PDF
    assert 'filename="affiche.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "public, max-age=3600"


def test_a_file_missing_on_disk_is_404_not_an_error(client, media):
    resource = make_resource("Affiche", PUBLIC)
    for path in stored_files(media):
        path.unlink()
    assert download(client, resource)[0].status_code == 404


def test_the_private_folder_is_the_servers_alone(media):
    make_resource("Affiche", PUBLIC)
    assert (Path(media) / PRIVATE_FOLDER).stat().st_mode & 0o777 == 0o700
    # Opened to other accounts behind the application's back: it stores nothing more there.
    (Path(media) / PRIVATE_FOLDER).chmod(0o777)
    with pytest.raises(ImproperlyConfigured, match="modifiable par d'autres comptes"):
        make_resource("Guide", PUBLIC)


def test_files_are_never_at_a_public_address(client, login, alice, media):
    resource = make_resource("Guide réservé", COORDINATORS, name="guide-reserve.pdf")
    [path] = stored_files(media)
    # A random name in the private folder: nothing of the original name, nothing to guess.
    assert path.parent == Path(media) / PRIVATE_FOLDER
    assert "guide" not in path.name and len(path.stem) == 32
    assert path.read_bytes() == PDF
    for url in (
        f"/media/{PRIVATE_FOLDER}/{path.name}",
        f"/media/{path.name}",
        f"/static/{PRIVATE_FOLDER}/{path.name}",
        f"/static/{path.name}",
        f"/{PRIVATE_FOLDER}/{path.name}",
    ):
        assert client.get(url).status_code == 404, url
        assert login(alice).get(url).status_code == 404, url
        client.logout()
    with pytest.raises(ValueError):
        resource.file.url  # noqa: B018 – the storage has no URL to give
    assert path.name not in login(alice).get(LIST).content.decode()


# Uploads ----------------------------------------------------------------------------------------------------


def test_the_centre_uploads_a_file_which_keeps_its_name_and_facts(login, claire, media):
    client = login(claire)
    assert client.get(CREATE).status_code == 200
    upload = SimpleUploadedFile("Diaporama séance.pdf", PDF, content_type="application/octet-stream")
    response = client.post(CREATE, form_data(file=upload))
    assert response.status_code == 302 and response["Location"] == LIST
    resource = Resource.objects.get()
    assert resource.title == "Diaporama de la séance"
    assert resource.original_name == "Diaporama séance.pdf"
    assert resource.size == len(PDF)
    assert resource.content_type == "application/pdf"  # from the bytes, not from what the browser said
    assert resource.uploaded_by == claire
    assert resource.audience == COORDINATORS and resource.is_published
    [path] = stored_files(media)
    assert path.read_bytes() == PDF
    assert "Diaporama" not in path.name
    page = client.get(LIST).content.decode()
    assert "La ressource «\xa0Diaporama de la séance\xa0» est ajoutée." in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("guide.pdf", b"MZ\x90\x00 this is a program, not a PDF", "ne correspond pas à son extension «\xa0.pdf\xa0»"),
        ("guide.pdf", b"<html><script>alert(1)</script></html>", "ne correspond pas à son extension «\xa0.pdf\xa0»"),
        ("outil.exe", b"MZ\x90\x00", "Ce type de fichier n'est pas accepté («\xa0.exe\xa0»)"),
        ("page.html", b"<html></html>", "Ce type de fichier n'est pas accepté («\xa0.html\xa0»)"),
        ("sans-extension", PDF, "Ce type de fichier n'est pas accepté."),
        ("archive.docx", plain_zip(), "ne correspond pas à son extension «\xa0.docx\xa0»"),
        ("diaporama.pptx", docx(), "ne correspond pas à son extension «\xa0.pptx\xa0»"),
        ("image.png", b"\xff\xd8\xff\xe0 a JPEG", "ne correspond pas à son extension «\xa0.png\xa0»"),
    ],
)
def test_an_upload_whose_type_is_not_accepted_is_refused(login, claire, media, name, content, message):
    response = login(claire).post(CREATE, form_data(file=SimpleUploadedFile(name, content)))
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert not Resource.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_upload_is_refused_and_never_stored(login, claire, media, monkeypatch):
    monkeypatch.setattr(resources, "MAX_UPLOAD_SIZE", 1024 * 1024)
    client = login(claire)
    too_big = PDF + b"x" * (1024 * 1024)
    response = client.post(CREATE, form_data(file=SimpleUploadedFile("gros.pdf", too_big)))
    assert response.status_code == 200
    assert "Le fichier dépasse 1 Mo\xa0: il n'a pas été accepté." in unescape(response.content.decode())
    assert not Resource.objects.exists()
    assert stored_files(media) == []
    # Exactly at the limit is fine.
    at_limit = pdf_of_size(1024 * 1024)
    response = client.post(CREATE, form_data(file=SimpleUploadedFile("juste.pdf", at_limit)))
    assert response.status_code == 302
    assert Resource.objects.get().size == 1024 * 1024


def test_the_size_limit_is_50_mo_and_said_in_french(monkeypatch):
    assert resources.MAX_UPLOAD_SIZE == 50 * 1024 * 1024
    monkeypatch.setattr(resources, "MAX_UPLOAD_SIZE", 2 * 1024 * 1024)
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("gros.pdf", PDF + b"x" * (3 * 1024 * 1024)))
    assert error.value.messages == ["Le fichier pèse 3 Mo : la limite est de 2 Mo."]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("guide.pdf", PDF, "application/pdf"),
        ("Guide.PDF", PDF, "application/pdf"),
        ("fiche.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (
            "diaporama.pptx",
            hostile.ooxml("pptx"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("tableau.xlsx", hostile.ooxml("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("fiche.odt", odf("application/vnd.oasis.opendocument.text"), "application/vnd.oasis.opendocument.text"),
        (
            "diaporama.odp",
            odf("application/vnd.oasis.opendocument.presentation"),
            "application/vnd.oasis.opendocument.presentation",
        ),
        (
            "tableau.ods",
            odf("application/vnd.oasis.opendocument.spreadsheet"),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("affiche.png", hostile.png(), "image/png"),
        ("photo.jpg", hostile.jpeg(), "image/jpeg"),
        ("photo.jpeg", hostile.jpeg(640, 480), "image/jpeg"),
        ("video.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 20, "video/mp4"),
    ],
)
def test_accepted_formats_are_recognised_from_their_bytes(name, content, content_type):
    checked = check_upload(SimpleUploadedFile(name, content, content_type="text/plain"))
    assert checked.content_type == content_type
    assert checked.original_name == name and checked.size == len(content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("fiche.odt", odf("application/vnd.oasis.opendocument.presentation")),  # an odp named .odt
        ("fiche.odt", plain_zip()),
        ("fiche.docx", b"PK\x03\x04 not really a zip"),
        ("video.mp4", b"\x00\x00\x00\x18moov"),
        ("vide.pdf", b""),
    ],
)
def test_content_that_lies_about_its_format_is_refused(name, content):
    with pytest.raises(ValidationError):
        check_upload(SimpleUploadedFile(name, content))


def test_the_upload_form_needs_a_file_and_its_fields(login, claire):
    response = login(claire).post(CREATE, form_data(title="", version=""))
    assert response.status_code == 200
    html = response.content.decode()
    summary = html[html.index("data-error-summary") : html.index("</ul>", html.index("data-error-summary"))]
    assert summary.count("Ce champ est obligatoire") == 3  # title, version, file: in the summary at the top
    assert html.count("Ce champ est obligatoire") == 6  # and beside each field
    assert not Resource.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused(claire):
    client = Client(enforce_csrf_checks=True)
    client.force_login(claire)
    response = client.post(CREATE, form_data(file=SimpleUploadedFile("guide.pdf", PDF)))
    assert response.status_code == 403
    assert not Resource.objects.exists()


# Editing and deleting ---------------------------------------------------------------------------------------


def test_editing_keeps_the_file_unless_a_new_one_is_given(login, claire, media, django_capture_on_commit_callbacks):
    resource = make_resource("Guide", PUBLIC, name="guide-v1.pdf")
    [old_path] = stored_files(media)
    url = reverse("kit:resource_edit", args=[resource.pk])
    client = login(claire)
    assert "guide-v1.pdf" in client.get(url).content.decode()
    response = client.post(url, form_data(title="Guide de la séance", audience=STAFF))
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.title, resource.audience, resource.original_name) == ("Guide de la séance", STAFF, "guide-v1.pdf")
    assert stored_files(media) == [old_path]

    new_content = PDF + b"% version 2\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(version="v2", file=SimpleUploadedFile("guide-v2.pdf", new_content)))
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.version, resource.original_name, resource.size) == ("v2", "guide-v2.pdf", len(new_content))
    [new_path] = stored_files(media)
    assert new_path != old_path and new_path.read_bytes() == new_content  # the old file is gone
    assert download(client, resource)[1] == new_content


def test_a_refused_replacement_keeps_the_old_file(login, claire, media):
    resource = make_resource("Guide", PUBLIC)
    url = reverse("kit:resource_edit", args=[resource.pk])
    response = login(claire).post(url, form_data(file=SimpleUploadedFile("guide.pdf", b"not a pdf")))
    assert response.status_code == 200
    resource.refresh_from_db()
    assert resource.title == "Guide" and len(stored_files(media)) == 1


def test_deleting_asks_first_then_removes_the_row_and_the_file(
    login, claire, media, django_capture_on_commit_callbacks
):
    resource = make_resource("Guide", COORDINATORS)
    url = reverse("kit:resource_delete", args=[resource.pk])
    client = login(claire)
    page = client.get(url)
    assert page.status_code == 200 and "Supprimer «\xa0Guide\xa0»\u202f?" in page.content.decode()
    assert Resource.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Resource.objects.exists()
    assert stored_files(media) == []


MANAGE = {"anonymous": 302, "alice": 403, "bob": 403, "fanny": 403, "claire": 200, "adam": 200}


@pytest.mark.parametrize("role", MANAGE)
def test_only_the_national_centre_manages_the_library(role, request, client, media):
    resource = make_resource("Guide", COORDINATORS)
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    for url in (
        CREATE,
        reverse("kit:resource_edit", args=[resource.pk]),
        reverse("kit:resource_delete", args=[resource.pk]),
    ):
        response = client.get(url)
        assert response.status_code == MANAGE[role], url
        if role == "anonymous":
            assert response["Location"].startswith(reverse("login"))
    writes = [
        client.post(CREATE, form_data(file=SimpleUploadedFile("autre.pdf", PDF))),
        client.post(reverse("kit:resource_edit", args=[resource.pk]), form_data(title="Changé")),
        client.post(reverse("kit:resource_delete", args=[resource.pk])),
    ]
    if MANAGE[role] != 200:
        assert [w.status_code for w in writes] == [MANAGE[role]] * 3
        resource.refresh_from_db()
        assert resource.title == "Guide" and Resource.objects.count() == 1
        assert len(stored_files(media)) == 1


def test_editing_an_unknown_resource_is_404(login, claire):
    assert login(claire).get(reverse("kit:resource_edit", args=[999999])).status_code == 404


# Costs ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "alice", "claire"])
def test_list_query_budget_does_not_grow_with_resources(role, request, client, django_assert_max_num_queries):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    # session, user, resources
    with django_assert_max_num_queries(3):
        client.get(LIST)
    for i in range(30):
        make_resource(f"Ressource {i}", (PUBLIC, COORDINATORS, STAFF)[i % 3], kind=Resource.Kind.values[i % 4])
    with django_assert_max_num_queries(3):
        response = client.get(LIST)
    assert response.content.decode().count("Télécharger") == {"anonymous": 10, "alice": 20, "claire": 30}[role]


def test_download_query_budget(login, alice, django_assert_max_num_queries):
    resource = make_resource("Guide", COORDINATORS)
    client = login(alice)
    with django_assert_max_num_queries(3):  # session, user, the resource
        download(client, resource)


# Hostile files (issue #12): each built here, small on disk, refused in seconds with little memory ------------

GIB, MIB = 1024**3, 1024**2
ODT_TYPE = b"application/vnd.oasis.opendocument.text"


def refusal(name, content) -> tuple[str, float, float]:
    """check_upload's French message for a refused file, with its peak Python memory (Mo) and its seconds."""
    import time
    import tracemalloc

    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ValidationError) as error:
            check_upload(SimpleUploadedFile(name, content))
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
    return " ".join(error.value.messages), peak, seconds


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        (
            "fiche.odt",
            lambda: hostile.odt_mimetype_bomb(GIB),
            "Le fichier décompressé occuperait 1\u202f024 Mo : la limite est de 300 Mo.",
        ),
        (
            "fiche.docx",
            lambda: hostile.docx_bomb(GIB),
            "Le fichier décompressé occuperait 1\u202f024 Mo : la limite est de 300 Mo.",
        ),
        (
            "fiche.docx",
            lambda: hostile.docx_bomb(200 * MIB),
            "L'élément « word/document.xml » du fichier est compressé",
        ),
        (
            "fiche.odt",
            lambda: hostile.odt_mimetype_bomb(200 * MIB),
            "L'élément « mimetype » du fichier est compressé",
        ),
        (
            "affiche.png",
            lambda: hostile.png_bomb(7000, 7000),
            "L'image dépasse la limite de 40 millions de pixels.",
        ),
        (
            "affiche.png",
            lambda: hostile.png_bomb(30000, 30000),
            "L'image dépasse la limite de 40 millions de pixels.",
        ),
    ],
)
def test_bombs_are_refused_without_being_opened(name, build, message):
    content = build()
    assert len(content) < 2 * MIB
    text, peak, seconds = refusal(name, content)
    assert message in text
    assert peak < 100, f"pic mémoire {peak:.0f} Mo"
    assert seconds < 10


def test_a_mimetype_entry_is_read_only_when_small(settings):
    settings.UPLOAD_MAX_COMPRESSION_RATIO = 10**6  # the mimetype's own bound alone
    text, _peak, _seconds = refusal("fiche.odt", hostile.odt_mimetype_bomb(20 * MIB))
    assert text == "L'élément « mimetype » du fichier est anormalement gros (20\u202f971\u202f559 octets)."


def test_an_office_file_of_too_many_entries_is_refused():
    parts = [(f"word/media/image{n}.png", hostile.stored(b"x")) for n in range(5001)]
    content = hostile.zip_bytes([("[Content_Types].xml", hostile.compressed(b"<Types/>")), *parts])
    text, _peak, _seconds = refusal("fiche.docx", content)
    assert text == "Le fichier contient 5\u202f002 éléments compressés : la limite est de 5\u202f000."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # The file of the issue: a PDF header, then a web page.
        ("guide.pdf", b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n", "ne correspond pas"),
        # A PDF's structure around a web page.
        ("guide.pdf", hostile.pdf(b"<html><body><script>alert(1)</script></body></html>\n"), "du code HTML"),
        ("guide.pdf", hostile.pdf(b"1 0 obj\n<</Type /Catalog>>\nendobj\n<IFRAME src=x>\n"), "du code HTML"),
        ("guide.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n", "ne correspond pas"),  # no startxref
        ("guide.pdf", PDF.replace(b"startxref\n", b"startxref\n9") + b"", "ne correspond pas"),  # offset past the end
        ("guide.pdf", b"%PDF-x\n" + PDF[9:], "ne correspond pas"),
        # An office file whose manifest declares another format, or a macro-enabled one.
        ("fiche.docx", hostile.ooxml("pptx"), "ne correspond pas"),
        (
            "fiche.docx",
            hostile.zip_bytes(
                [
                    (
                        "[Content_Types].xml",
                        hostile.compressed(
                            hostile.content_types(
                                "word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"
                            )
                        ),
                    ),
                    ("word/document.xml", hostile.compressed(b"<document/>")),
                ]
            ),
            "ne correspond pas",
        ),
        ("fiche.docx", hostile.zip_bytes([("[Content_Types].xml", hostile.compressed(b"<Types"))]), "ne correspond"),
        ("fiche.odt", hostile.zip_bytes([("mimetype", hostile.stored(ODT_TYPE))]), "ne correspond pas"),  # no content
        # Images that do not decode.
        ("affiche.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "ne correspond pas"),
        ("affiche.png", hostile.png(64, 64)[:-30], "ne correspond pas"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "ne correspond pas"),
        ("photo.jpg", hostile.png(), "ne correspond pas"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(name, content, message):
    text, _peak, _seconds = refusal(name, content)
    assert message in text


def test_a_pdf_may_end_with_a_little_trailing_data_and_hold_binary_streams():
    stream = bytes(range(256)) * 50  # compressed stream bytes, including < and >
    content = hostile.pdf(b"1 0 obj << /Length 12800 >>\nstream\n" + stream + b"\nendstream\nendobj\n") + b"\r\n\x00"
    assert check_upload(SimpleUploadedFile("guide.pdf", content)).content_type == "application/pdf"


def test_the_upload_page_refuses_a_zip_bomb_and_stores_nothing(login, claire, media):
    upload = SimpleUploadedFile("fiche.docx", hostile.docx_bomb(GIB))
    response = login(claire).post(CREATE, form_data(file=upload))
    assert response.status_code == 200
    assert "Le fichier décompressé occuperait 1\u202f024 Mo\xa0: la limite est de 300 Mo." in unescape(
        response.content.decode()
    )
    assert not Resource.objects.exists()
    assert stored_files(media) == []
