"""Paper questionnaires typed by the national centre, at typing speed: one screen per session.

Every write goes through evaluation/responses.py, which numbers the sheets and records who changed what."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import session_work_required
from evaluation.access import get_session_for_entry, get_sheet_for_entry
from evaluation.forms_entry import SheetForm, initial_from_response
from evaluation.models import Answer, Item, Need, NeedCategory, Questionnaire, Response, ResponseChange
from evaluation.responses import (
    MAX_NEEDS,
    check_accepts_questionnaires,
    create_response,
    delete_response,
    next_sheet_number,
    update_response,
)

HISTORY_PAGE_SIZE = 50


def _closed_message(session) -> str | None:
    """The response service's own message when the session takes no questionnaire (planned, cancelled…)."""
    try:
        check_accepts_questionnaires(session)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def _see_other(url: str) -> HttpResponseRedirect:
    """303: after a POST the browser GETs the next page, and reloading it never posts the sheet again."""
    return HttpResponseRedirect(url, status=303)


def _saved_sheets(session) -> list[Response]:
    """The session's sheets with what the side list shows, in one query whatever their number."""
    return list(
        session.responses.annotate(
            answered=Count("answers", distinct=True), need_count=Count("needs", distinct=True)
        ).order_by("sheet_number")
    )


def _next_number(session, sheets) -> int:
    """The number the sheet being typed will get, shown so that it can be written on the paper. It is posted back
    (a second Enter cannot save the sheet twice) and never reuses the number of a deleted sheet, so that a number
    in the history always means one paper sheet."""
    return next_sheet_number(session, highest_saved=max((sheet.sheet_number for sheet in sheets), default=0))


def _attendance(session) -> tuple[int | None, str]:
    if session.actual_attendance is not None:
        return session.actual_attendance, _("participants présents")
    if session.expected_attendance is not None:
        return session.expected_attendance, _("participants attendus (présents non renseignés)")
    return None, ""


def _form_context(form: SheetForm | None) -> dict:
    if form is None:
        return {"form": None}
    focus = form.first_error_field() if form.is_bound else None
    if focus is None and form.items:
        focus = form.items[0].code
    return {
        "form": form,
        "focus_field": focus,
        "item_count": len(form.items),
        "keystrokes": len(form.items) + 1,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@session_work_required
def paper_entry(request, pk):
    session = get_session_for_entry(request.user, pk)
    closed = _closed_message(session)
    form = None
    if closed is None:
        questionnaire = Questionnaire.current()
        form = SheetForm(
            request.POST if request.method == "POST" else None,
            items=questionnaire.items.all(),
            categories=NeedCategory.objects.all(),
        )
        if request.method == "POST" and form.is_valid():
            try:
                response = create_response(
                    session,
                    form.to_sheet(),
                    channel=Response.Channel.PAPER,
                    user=request.user,
                    sheet_number=form.cleaned_data["sheet_number"],
                )
            except ValidationError as error:
                form.add_service_errors(error)
                if "sheet_number" in getattr(error, "error_dict", {}):
                    # Usually a second Enter, or a colleague typing the same session at the same time.
                    form.add_error(
                        None,
                        _(
                            "Si cette feuille ne figure pas dans la liste des feuilles enregistrées, enregistrez-la "
                            "à nouveau : elle prendra le numéro affiché."
                        ),
                    )
            else:
                messages.success(request, _("Feuille n° %(n)s enregistrée.") % {"n": response.sheet_number})
                return _see_other(reverse("evaluation:paper_entry", args=[session.pk]))
    elif request.method == "POST":
        messages.error(request, _("Rien n'a été enregistré."))
    sheets = _saved_sheets(session)
    attendance, attendance_label = _attendance(session)
    context = {
        "session": session,
        "closed_message": closed,
        "sheets": sheets,
        "next_number": _next_number(session, sheets),
        "attendance": attendance,
        "attendance_label": attendance_label,
        "over_attendance": attendance is not None and len(sheets) > attendance,
        "progress": min(100, round(100 * len(sheets) / attendance)) if attendance else None,
        **_form_context(form),
    }
    return render(request, "evaluation/entry/paper_entry.html", context)


def _sheet_with_content(user, session, number) -> Response:
    sheet = get_sheet_for_entry(user, session, number)
    sheet.session = session  # already loaded and checked: the service reads it
    prefetch_related_objects(
        [sheet],
        Prefetch("answers", queryset=Answer.objects.select_related("item")),
        Prefetch("needs", queryset=Need.objects.select_related("category").order_by("position")),
    )
    return sheet


@require_http_methods(["GET", "HEAD", "POST"])
@session_work_required
def sheet_edit(request, pk, number):
    session = get_session_for_entry(request.user, pk)
    sheet = _sheet_with_content(request.user, session, number)
    closed = _closed_message(session)
    form = None
    if closed is None:
        form = SheetForm(
            request.POST if request.method == "POST" else None,
            items=sheet.questionnaire.items.all(),
            categories=NeedCategory.objects.all(),
            initial=initial_from_response(sheet),
        )
        if request.method == "POST" and form.is_valid():
            try:
                update_response(sheet, form.to_sheet(), user=request.user)
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Feuille n° %(n)s corrigée.") % {"n": sheet.sheet_number})
                return _see_other(reverse("evaluation:paper_entry", args=[session.pk]))
    elif request.method == "POST":
        messages.error(request, _("Rien n'a été enregistré."))
    context = {"session": session, "sheet": sheet, "closed_message": closed, **_form_context(form)}
    return render(request, "evaluation/entry/sheet_edit.html", context)


@require_POST
@session_work_required
def sheet_delete(request, pk, number):
    session = get_session_for_entry(request.user, pk)
    sheet = get_sheet_for_entry(request.user, session, number)
    sheet.session = session
    delete_response(sheet, user=request.user)
    messages.success(
        request,
        _("Feuille n° %(n)s supprimée. Son contenu reste lisible dans l'historique des feuilles.") % {"n": number},
    )
    return _see_other(reverse("evaluation:paper_entry", args=[session.pk]))


# History ----------------------------------------------------------------------------------------------


@dataclass
class Line:
    label: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass
class ChangeView:
    change: ResponseChange
    lines: list[Line] = field(default_factory=list)

    @property
    def changed_lines(self) -> list[Line]:
        return [line for line in self.lines if line.changed]

    @property
    def before_lines(self) -> list[tuple[str, str]]:
        return [(line.label, line.before) for line in self.lines if line.before is not None]

    @property
    def after_lines(self) -> list[tuple[str, str]]:
        return [(line.label, line.after) for line in self.lines if line.after is not None]


class SnapshotReader:
    """Turns the history's plain-data snapshots back into « question : valeur » lines people can read."""

    def __init__(self):
        # Items of every version, the current one last so that its labels win for a shared code.
        items = Item.objects.order_by("questionnaire__is_current", "questionnaire__valid_from", "order").values_list(
            "code", "label", "questionnaire__is_current"
        )
        self.item_labels = {code: label for code, label, _is_current in items}
        current = [code for code, _label, is_current in items if is_current]
        self.item_order = current + [code for code in self.item_labels if code not in current]
        self.categories = {category.code: category.label for category in NeedCategory.objects.all()}

    def values(self, snapshot: dict | None) -> dict[str, str] | None:
        if snapshot is None:
            return None
        answers = snapshot.get("answers") or {}
        result = {}
        for code in [*self.item_order, *[c for c in answers if c not in self.item_labels]]:
            value = answers.get(code)
            result[f"item:{code}"] = str(value) if value is not None else _("sans réponse")
        needs = snapshot.get("needs") or []
        for position in range(1, max(MAX_NEEDS, len(needs)) + 1):
            if position <= len(needs):
                text, category = needs[position - 1]
                label = self.categories.get(category, category) if category else _("sans catégorie")
                result[f"need:{position}"] = f"« {text} » ({label})"
            else:
                result[f"need:{position}"] = "—"
        result["comment"] = snapshot.get("comment") or "—"
        return result

    def label(self, key: str) -> str:
        kind, _sep, name = key.partition(":")
        if kind == "item":
            number = self.item_order.index(name) + 1 if name in self.item_order else None
            label = self.item_labels.get(name, name)
            return f"{number}. {label}" if number else label
        if kind == "need":
            return _("Besoin %(n)s") % {"n": name}
        return _("Commentaire")

    def lines(self, change: ResponseChange) -> list[Line]:
        before, after = self.values(change.before), self.values(change.after)
        keys = list((after or before or {}).keys())
        keys += [key for key in (before or {}) if key not in keys]
        return [
            Line(self.label(key), before.get(key) if before else None, after.get(key) if after else None)
            for key in keys
        ]


@require_safe
@session_work_required
def sheet_history(request, pk):
    session = get_session_for_entry(request.user, pk)
    changes = session.response_changes.select_related("changed_by").order_by("-changed_at", "-pk")
    page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    reader = SnapshotReader()
    rows = [ChangeView(change, reader.lines(change)) for change in page.object_list]
    return render(request, "evaluation/entry/sheet_history.html", {"session": session, "page": page, "rows": rows})
