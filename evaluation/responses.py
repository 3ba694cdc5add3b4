"""Every way a questionnaire response comes in (paper entry, online form, file import) goes through here,
so that validation, the sheet-number sequence, the history of changes and the per-session summaries the
bilan reads are the same whatever the channel.

Concurrency: every write of a session's sheets first locks that session's row (lock_sessions) inside its
transaction, so that the next sheet number, the check that a number or an online form is not already saved,
and the refresh of the session's summaries are computed by one writer at a time. A room of 25 phones sending
the questionnaire in the same second gets 25 distinct numbers instead of unique-constraint errors."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import (
    Answer,
    Item,
    Need,
    NeedCategory,
    Questionnaire,
    Response,
    ResponseChange,
    SessionItemSummary,
    SessionSummary,
)
from sessions_app.models import lock_sessions
from sessions_app.summaries import bump_sessions_version, refresh_participant_summaries

MAX_NEEDS = 3


@dataclass
class Sheet:
    """What one questionnaire holds: item code → value (None or absent = no answer), up to three needs."""

    answers: dict[str, int | None] = field(default_factory=dict)
    needs: list[tuple[str, str | None]] = field(default_factory=list)  # (text, category code or None)
    comment: str = ""

    @property
    def is_empty(self) -> bool:
        """No answer, no need, no comment: a blank sheet (a stray Enter, an empty form) is not a response."""
        return (
            all(value in (None, "") for value in self.answers.values())
            and not any((text or "").strip() for text, _category in self.needs)
            and not (self.comment or "").strip()
        )


def empty_sheet_error() -> ValidationError:
    return ValidationError(
        _("Questionnaire vide (aucune réponse, aucun besoin, aucun commentaire) : il n'est pas enregistré."),
        code="empty_sheet",
    )


def check_sheet(sheet: Sheet, items: dict[str, Item], categories: dict[str, NeedCategory]) -> dict[str, str]:
    """French error messages keyed by field (item code, `besoin_N`, `besoin_N_categorie`); empty when valid."""
    errors = {}
    for code, value in sheet.answers.items():
        if value in (None, ""):
            continue
        item = items.get(code)
        if item is None:
            errors[code] = _("question inconnue « %(code)s »") % {"code": code}
        elif not isinstance(value, int) or not 1 <= value <= item.scale:
            errors[code] = _("%(value)s est hors de l'échelle de cette question (1 à %(scale)s)") % {
                "value": value,
                "scale": item.scale,
            }
    needs = [(text.strip(), category) for text, category in sheet.needs if (text or "").strip() or category]
    if len(needs) > MAX_NEEDS:
        errors["besoins"] = _("trois besoins au plus par questionnaire")
    for position, (text, category) in enumerate(needs, start=1):
        if category and category not in categories:
            errors[f"besoin_{position}_categorie"] = _("catégorie de besoin inconnue « %(code)s »") % {"code": category}
        if category and not text:
            errors[f"besoin_{position}"] = _("une catégorie sans texte de besoin")
    return errors


def _reference_data(questionnaire=None):
    questionnaire = questionnaire or Questionnaire.current()
    items = {item.code: item for item in questionnaire.items.all()}
    categories = {category.code: category for category in NeedCategory.objects.all()}
    return questionnaire, items, categories


def snapshot(response: Response) -> dict:
    """A response as plain data, for the history of changes."""
    return {
        "answers": {a.item.code: a.value for a in response.answers.select_related("item")},
        "needs": [[n.text, n.category.code if n.category else None] for n in response.needs.select_related("category")],
        "comment": response.comment,
    }


def _write_content(response, sheet: Sheet, items, categories, *, user=None, kept=None):
    """`kept`: the response's previous needs by text (an edit). A need whose text is unchanged keeps its category and
    who gave it, unless the sheet now gives another; a category given here is recorded as `user`'s, like one given on
    the needs screen."""
    Answer.objects.bulk_create(
        [
            Answer(response=response, item=items[code], value=value)
            for code, value in sheet.answers.items()
            if value not in (None, "")
        ]
    )
    kept = kept or {}
    by = user if user and user.is_authenticated else None
    now = timezone.now()
    rows = []
    for position, (text, code) in enumerate(
        [(text.strip(), code) for text, code in sheet.needs if (text or "").strip()], start=1
    ):
        need = Need(response=response, position=position, text=text)
        before = kept.get(text)
        if before is not None and before.category_id and (not code or categories[code].pk == before.category_id):
            need.category_id = before.category_id
            need.categorised_by_id, need.categorised_at = before.categorised_by_id, before.categorised_at
        elif code:
            need.category, need.categorised_by, need.categorised_at = categories[code], by, now
        rows.append(need)
    Need.objects.bulk_create(rows)


def check_accepts_questionnaires(session) -> None:
    """Raises the French ValidationError shown to people when a session takes no questionnaire."""
    if not session.accepts_questionnaires:
        raise ValidationError(
            _("La séance %(ref)s est « %(status)s » : elle ne reçoit pas de questionnaire.")
            % {"ref": session.reference, "status": session.get_status_display()}
        )


def next_sheet_number(session, *, highest_saved: int | None = None) -> int:
    """One past the highest number ever used in this session, deleted sheets included (never reused).
    `highest_saved`: the highest number among the saved sheets, when the caller has them loaded already."""
    if highest_saved is None:
        highest_saved = session.responses.aggregate(n=Max("sheet_number"))["n"] or 0
    return max(highest_saved, session.response_changes.aggregate(n=Max("sheet_number"))["n"] or 0) + 1


def _raise_if_invalid(session, sheet, items, categories):
    check_accepts_questionnaires(session)
    errors = check_sheet(sheet, items, categories)
    if errors:
        raise ValidationError(errors)
    if sheet.is_empty:
        raise empty_sheet_error()


@transaction.atomic
def create_response(
    session, sheet: Sheet, *, channel: str, user=None, sheet_number=None, form_nonce: str | None = None
) -> Response:
    """Saves a new sheet. `sheet_number`: the number the paper-entry screen showed (refused if taken);
    `form_nonce`: the digest of an online form's one-time token (see Response.form_nonce)."""
    lock_sessions([session.pk])
    questionnaire, items, categories = _reference_data()
    _raise_if_invalid(session, sheet, items, categories)
    if sheet_number is None:
        sheet_number = next_sheet_number(session)
    elif session.responses.filter(sheet_number=sheet_number).exists():
        raise ValidationError(
            {"sheet_number": _("La feuille n° %(n)s existe déjà pour cette séance.") % {"n": sheet_number}}
        )
    response = Response.objects.create(
        session=session,
        questionnaire=questionnaire,
        sheet_number=sheet_number,
        channel=channel,
        entered_by=user if user and user.is_authenticated else None,
        comment=sheet.comment.strip(),
        form_nonce=form_nonce,
    )
    _write_content(response, sheet, items, categories, user=user)
    ResponseChange.objects.create(
        session=session,
        response=response,
        sheet_number=sheet_number,
        action=ResponseChange.Action.CREATED,
        changed_by=response.entered_by,
        after=snapshot(response),
    )
    refresh_summaries([session.pk])
    return response


@transaction.atomic
def update_response(response: Response, sheet: Sheet, *, user) -> Response:
    """Replaces the answers and needs; a need whose text is unchanged keeps its category."""
    lock_sessions([response.session_id])
    _, items, categories = _reference_data(response.questionnaire)
    _raise_if_invalid(response.session, sheet, items, categories)
    before = snapshot(response)
    kept = {n.text: n for n in response.needs.all()}
    response.answers.all().delete()
    response.needs.all().delete()
    response.comment = sheet.comment.strip()
    response.save(update_fields=["comment", "updated_at"])
    _write_content(response, sheet, items, categories, user=user, kept=kept)
    ResponseChange.objects.create(
        session=response.session,
        response=response,
        sheet_number=response.sheet_number,
        action=ResponseChange.Action.UPDATED,
        changed_by=user,
        before=before,
        after=snapshot(response),
    )
    refresh_summaries([response.session_id])
    return response


@transaction.atomic
def delete_response(response: Response, *, user) -> None:
    lock_sessions([response.session_id])
    ResponseChange.objects.create(
        session=response.session,
        response=None,
        sheet_number=response.sheet_number,
        action=ResponseChange.Action.DELETED,
        changed_by=user,
        before=snapshot(response),
    )
    session_id = response.session_id
    response.delete()
    refresh_summaries([session_id])


def refresh_summaries(session_ids, batch_size: int = 2000, *, participants: bool = False) -> None:
    """Recomputes what the bilan reads for these sessions: per item (answers, total), the number of responses,
    the needs per category; with `participants`, their participant summaries too. Every write of responses or
    needs calls it in its own transaction (bulk writes send no signal), and it bumps the data version."""
    session_ids = sorted(set(session_ids))
    if not session_ids:
        return
    with transaction.atomic():
        for start in range(0, len(session_ids), batch_size):
            _refresh_batch(session_ids[start : start + batch_size])
        if participants:
            refresh_participant_summaries(session_ids)  # bumps these sessions' seasons' data version
        else:
            bump_sessions_version(session_ids)


def _refresh_batch(batch) -> None:
    SessionItemSummary.objects.filter(session_id__in=batch).delete()
    SessionSummary.objects.filter(session_id__in=batch).delete()
    rows = (
        Answer.objects.filter(response__session_id__in=batch)
        .values("response__session_id", "item__code")
        .annotate(answers=Count("pk"), total=Sum("value"))
        .order_by()
    )
    SessionItemSummary.objects.bulk_create(
        [
            SessionItemSummary(
                session_id=row["response__session_id"],
                item_code=row["item__code"],
                answers=row["answers"],
                total=row["total"],
            )
            for row in rows
        ],
        batch_size=5000,
    )
    needs: dict[int, dict[str, int]] = {}
    for session_id, code, n in (
        Need.objects.filter(response__session_id__in=batch)
        .values_list("response__session_id", "category__code")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        needs.setdefault(session_id, {})[code or ""] = n
    SessionSummary.objects.bulk_create(
        [
            SessionSummary(session_id=session_id, responses=n, needs=needs.get(session_id, {}))
            for session_id, n in Response.objects.filter(session_id__in=batch)
            .values_list("session_id")
            .annotate(n=Count("pk"))
            .order_by()
        ],
        batch_size=5000,
    )
