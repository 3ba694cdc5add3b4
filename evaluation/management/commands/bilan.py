import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluation.bilan import Scope, compute_bilan


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"date invalide « {value} » (attendu AAAA-MM-JJ)") from None


class Command(BaseCommand):
    help = "Écrit le bilan d'un périmètre (saison, année ou période ; national, région, département ou CLSM)."

    def add_arguments(self, parser):
        period = parser.add_mutually_exclusive_group()
        period.add_argument("--season", help="saison, du 1er septembre au 31 août (ex. 2022-2023)")
        period.add_argument("--year", type=int, help="année civile (ex. 2023)")
        parser.add_argument("--from", dest="date_from", help="début inclus, AAAA-MM-JJ")
        parser.add_argument("--to", dest="date_to", help="fin incluse, AAAA-MM-JJ")
        parser.add_argument("--clsm", help="nom du CLSM")
        parser.add_argument("--region", help="code INSEE de la région")
        parser.add_argument("--department", help="code INSEE du département")
        parser.add_argument("--session", help="référence d'une séance")
        parser.add_argument(
            "--mode",
            choices=["centre", "territoire"],
            help="séances animées par le Centre national, ou par le territoire lui-même (validées seulement, "
            "sauf dans le bilan d'un CLSM)",
        )
        parser.add_argument("--format", choices=["json", "pdf", "xlsx"], default="json")
        parser.add_argument(
            "--funder",
            action="store_true",
            help="version financeur : effectifs de 1 à 4 masqués, secret secondaire compris (JSON, PDF, XLSX)",
        )
        parser.add_argument("--output", required=True, help="fichier à écrire (« - » pour la sortie standard en JSON)")

    def handle(self, *args, **options):
        if (options["season"] or options["year"]) and (options["date_from"] or options["date_to"]):
            raise CommandError("--from/--to ne se combinent pas avec --season ou --year.")
        try:
            scope = Scope.build(
                season=options["season"],
                year=options["year"],
                date_from=_date(options["date_from"]) if options["date_from"] else None,
                date_to=_date(options["date_to"]) if options["date_to"] else None,
                clsm=options["clsm"],
                region=options["region"],
                department=options["department"],
                session=options["session"],
                mode=options["mode"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
            raise CommandError("La date de début est postérieure à la date de fin.")
        data = compute_bilan(scope, funder=options["funder"])
        fmt, output = options["format"], options["output"]
        if fmt == "json":
            text = json.dumps(data, ensure_ascii=False, indent=2)
            if output == "-":
                self.stdout.write(text)
                return
            Path(output).write_text(text + "\n", encoding="utf-8")
        else:
            from evaluation import renderers

            Path(output).write_bytes(renderers.render(fmt, data, scope, funder=options["funder"]))
        self.stdout.write(f"Bilan « {scope.label} » écrit dans {output} ({fmt}).")
