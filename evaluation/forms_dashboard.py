from functools import partial

from django import forms
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.bilan import Scope
from sessions_app.models import AwarenessSession, season_bounds, season_of
from sessions_app.summaries import data_version_counter
from smdq.bounds import BoundedFieldsMixin, date_in_range
from smdq.formatting import in_french_order
from territories.models import CLSM, Department, Region

# Kept per data version (a session saved or deleted bumps it), so they never go stale.
SEASONS_CACHE_SECONDS = 24 * 3600


def season_choices(version: str | None = None) -> list[tuple[str, str]]:
    """The seasons with a session, and the current one, latest first. `version`: the data version the caller has
    read already (evaluation.documents.data_version), so that a warm dashboard or chart reads no season at all."""
    key = f"bilan:seasons:{version or f'v{data_version_counter()}'}"
    # order_by(): with the model's ordering (date, time) DISTINCT would keep one row per session, not per season.
    seasons = cache.get_or_set(
        key,
        lambda: set(AwarenessSession.objects.order_by().values_list("season", flat=True).distinct()),
        SEASONS_CACHE_SECONDS,
    )
    seasons = set(seasons) | {season_of(timezone.localdate())}
    return [(s, s) for s in sorted(seasons, reverse=True)]


def latest_season_with_data(clsms) -> str | None:
    """The latest season with a held session of these CLSM: where a coordinator's bilan opens."""
    return (
        AwarenessSession.objects.held()
        .filter(clsm__in=clsms)
        .order_by("-season")
        .values_list("season", flat=True)
        .first()
    )


def _choices(empty_label, rows, label: str) -> list[tuple]:
    return [("", empty_label), *((key, label.format(key, text)) for key, text in rows)]


def _choices_by_name(empty_label, rows, label: str) -> list[tuple]:
    return in_french_order(_choices(empty_label, rows, label))


class ScopeForm(BoundedFieldsMixin, forms.Form):
    """The scope of a bilan as people choose it.

    A coordinator's bilan covers all their CLSM at once (or one of them, if they narrow it) and opens on the
    latest season with data for them; a coordinator attached to no CLSM has no bilan (`scope` refuses).

    The funder chooses a season, nothing else (FUNDER_FIELDS): the national bilan of one season, whose tables the
    engine suppresses together (evaluation.suppression). Any other choice would let two scopes be subtracted,
    which no suppression within one bilan prevents: « all seasons » minus « from the next day on » gave the people
    of one session of 3, a région minus its other département the means of 3 people's answers, a CLSM minus its
    sessions of one mode, its others; and « all seasons » or a calendar year, minus seasons, a CLSM's cell hidden in
    one of them."""

    FUNDER_FIELDS = ("season",)

    PERIODS = [("saison", _("Saison")), ("annee", _("Année civile")), ("dates", _("Période")), ("tout", _("Tout"))]

    period = forms.ChoiceField(label=_("Période"), choices=PERIODS, initial="saison", required=False)
    season = forms.ChoiceField(label=_("Saison"), required=False)
    year = forms.IntegerField(label=_("Année"), min_value=2015, max_value=2100, required=False)
    date_from = forms.DateField(label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    region = forms.ModelChoiceField(
        label=_("Région"), queryset=Region.objects.all(), required=False, empty_label=_("Toutes")
    )
    department = forms.ModelChoiceField(
        label=_("Département"), queryset=Department.objects.all(), required=False, empty_label=_("Tous")
    )
    clsm = forms.ModelChoiceField(label=_("CLSM"), queryset=CLSM.objects.none(), required=False, empty_label=_("Tous"))
    mode = forms.ChoiceField(
        label=_("Animation"),
        choices=[("", _("Tous les modes")), *AwarenessSession.Mode.choices],
        required=False,
    )

    def __init__(self, data=None, *, user, version: str | None = None):
        own = CLSM.objects.visible_to(user).order_by("name")
        mine = list(own.values_list("pk", "name")) if user.is_coordinator else []
        self.own_names = [name for _pk, name in mine]
        if mine and data is not None and data.get("clsm") not in {"", None, *(str(pk) for pk, _name in mine)}:
            # Another CLSM than theirs is not an error to report: it is ignored (all of theirs).
            data = data.copy()
            data["clsm"] = ""
        super().__init__(data)
        self.user = user
        self.fields["season"].choices = season_choices(version)
        self.default_season = season_of(timezone.localdate())
        self.fields["clsm"].queryset = own
        if user.is_funder:
            for name in set(self.fields) - set(self.FUNDER_FIELDS):
                del self.fields[name]
        if user.is_coordinator:
            # A coordinator's bilan is their CLSMs': no national or regional scope.
            self.fields["clsm"].empty_label = _("Tous mes CLSM")
            del self.fields["region"]
            del self.fields["department"]
            self.default_season = latest_season_with_data(own) or self.default_season
        self.fields["season"].initial = self.default_season
        # The choices as (key, label) pairs of values_list: 300 CLSM and 101 départements built as model instances
        # cost more than the rest of a warm dashboard. The querysets above still validate what is sent.
        labels = {
            "region": (Region.objects.values_list("code", "name"), "{1}"),
            "department": (Department.objects.values_list("code", "name"), "{1} ({0})"),
            "clsm": (mine if user.is_coordinator else own.values_list("pk", "name"), "{1}"),
        }
        for name, (rows, label) in labels.items():
            if name in self.fields:
                field = self.fields[name]
                # A callable: read when the field is drawn, never by a chart or a download that only validates.
                # Départements in the order of their codes, as people know them; régions and CLSM by name.
                build = _choices if name == "department" else _choices_by_name
                field.choices = partial(build, field.empty_label, rows, label)

    def clean_season(self):
        season = self.cleaned_data.get("season")
        if season:
            try:
                start, end = season_bounds(season)
            except ValueError:
                start = end = None
            if not (date_in_range(start) and date_in_range(end)):
                raise forms.ValidationError(_("Saison invalide : « %(season)s ».") % {"season": season})
        return season

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period") or "saison"
        cleaned["period"] = period
        if period == "annee" and not cleaned.get("year"):
            self.add_error("year", _("Indiquez l'année."))
        if period == "dates":
            start, end = cleaned.get("date_from"), cleaned.get("date_to")
            if not start and not end:
                self.add_error("date_from", _("Indiquez au moins une date."))
            elif start and end and start > end:
                self.add_error("date_to", _("La date de fin précède la date de début."))
        return cleaned

    def scope(self) -> Scope:
        """The scope asked for; for an invalid form, the default one (current season)."""
        cleaned = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = cleaned.get("period") or "saison"
        clsm = cleaned.get("clsm")
        kwargs = {
            "clsm": clsm.name if clsm else None,
            "region": cleaned["region"].pk if cleaned.get("region") else None,
            "department": cleaned["department"].pk if cleaned.get("department") else None,
            "mode": cleaned.get("mode") or None,
        }
        if self.user.is_funder:
            kwargs["pending"] = False  # the funder reads validated sessions only, even a CLSM's
        if self.user.is_coordinator and clsm is None:
            if not self.own_names:
                raise PermissionDenied  # never the national bilan, nor another CLSM's
            if len(self.own_names) == 1:
                kwargs["clsm"] = self.own_names[0]
            else:
                kwargs["clsms"] = tuple(self.own_names)
        if period == "annee":
            return Scope.build(year=cleaned["year"], **kwargs)
        if period == "dates":
            return Scope.build(date_from=cleaned.get("date_from"), date_to=cleaned.get("date_to"), **kwargs)
        if period == "tout":
            return Scope.build(**kwargs)
        return Scope.build(season=cleaned.get("season") or self.default_season, **kwargs)


def scope_params(scope: Scope) -> dict:
    """A scope as query-string parameters (links to the PDF, the spreadsheet, the JSON of the same scope)."""
    params: dict = {
        "season": {"period": "saison", "season": scope.season},
        "year": {"period": "annee", "year": scope.date_from.year if scope.date_from else None},
        "range": {
            "period": "dates",
            "date_from": scope.date_from.isoformat() if scope.date_from else None,
            "date_to": scope.date_to.isoformat() if scope.date_to else None,
        },
    }.get(scope.period, {"period": "tout"})
    if scope.clsm:
        params["clsm"] = CLSM.objects.filter(name__iexact=scope.clsm).values_list("pk", flat=True).first()
    params["region"] = scope.region
    params["department"] = scope.department
    params["mode"] = scope.mode
    return {key: value for key, value in params.items() if value not in (None, "")}
