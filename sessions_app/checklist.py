"""The before / during / after checklist of a session a territory runs itself.

One list, read by the session's kit page (`kit:session_kit`, which adds the links and what is already done) and by
the reminders (`evaluation.reminders`: the week-before kit lists the steps still ahead, the day-after e-mail gives
the typing deadline): here, on the sessions floor, so that both read the same steps and the same days.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

BEFORE, DURING, AFTER = "avant", "pendant", "apres"
PHASES = ((BEFORE, _("Avant la séance")), (DURING, _("Pendant la séance")), (AFTER, _("Après la séance")))
# Paper questionnaires are typed within a week of the session; the follow-up is answered six months later.
TYPING_DAYS = 7
FOLLOWUP_DAYS = 182


@dataclass(frozen=True)
class Step:
    code: str
    phase: str
    label: str
    days: int  # when it is due, in days from the session's date (negative: before)
    # What the kit page links to: URL names taking the session's id, or "resources" for the kit's animation
    # material; the kit page says who may open each.
    links: tuple[str, ...] = ()

    def due_on(self, session_date: date) -> date:
        return session_date + timedelta(days=self.days)


STEPS = (
    Step("room", BEFORE, _("Réserver une salle accessible pour 3 heures (et le matériel de projection)"), -30),
    Step("material", BEFORE, _("S'approprier les supports d'animation du kit"), -21, ("resources",)),
    Step(
        "invite",
        BEFORE,
        _("Inviter les habitant·es et les partenaires du quartier (affiche avec QR code)"),
        -21,
        ("evaluation:poster_pdf",),
    ),
    Step(
        "print",
        BEFORE,
        _("Imprimer la feuille d'émargement et les questionnaires papier"),
        -3,
        ("sessions_app:sign_in_sheet", "evaluation:paper_questionnaire_pdf"),
    ),
    Step("sign_in", DURING, _("Faire remplir la feuille d'émargement à l'arrivée"), 0),
    Step(
        "qr_code",
        DURING,
        _("Montrer le QR code du questionnaire en ligne à la fin, et distribuer le papier"),
        0,
        ("evaluation:link_page",),
    ),
    Step(
        "held",
        AFTER,
        _("Marquer la séance réalisée, avec le nombre de présent·es"),
        1,
        ("sessions_app:session_detail",),
    ),
    Step("participants", AFTER, _("Saisir la feuille d'émargement"), TYPING_DAYS, ("sessions_app:participant_entry",)),
    Step(
        "sheets", AFTER, _("Saisir les questionnaires papier dans la semaine"), TYPING_DAYS, ("evaluation:paper_entry",)
    ),
    Step(
        "followup",
        AFTER,
        _("Répondre au suivi des effets, six mois après"),
        FOLLOWUP_DAYS,
        ("evaluation:followup_list",),
    ),
)


def steps_ahead(session_date: date, today: date) -> list[Step]:
    """The steps not yet due on `today` (what a reminder still lists)."""
    return [step for step in STEPS if step.due_on(session_date) >= today]
