from imports.base import Column, Importer
from territories.models import CLSM, QPV, Commune
from territories.qpv_import import normalise_commune_code


class CLSMImporter(Importer):
    kind = "clsm"
    label = "CLSM"
    noun_singular = "CLSM"
    noun_plural = "CLSM"
    columns = (
        Column("nom", "nom du CLSM (clé : une ligne par CLSM)", required=True, example="CLSM de Bourg-en-Bresse"),
        Column("communes", "codes INSEE séparés par « ; » ; vide = communes des QPV listés", example="01053"),
        Column("qpv", "codes des QPV séparés par « ; »", example="QN00101M;QN00102M"),
        Column("statut", "actif ou en_projet (vide = actif)", example="actif"),
        Column("email_contact", "adresse e-mail de contact du CLSM", example="clsm@bourgenbresse.fr"),
    )

    def prepare(self, table):
        codes = {c for row in table.rows for c in self.split_list(row.get("qpv").upper())}
        self.qpvs = {q.code: q.pk for q in QPV.objects.filter(code__in=codes).only("pk", "code")}
        commune_codes = {normalise_commune_code(c) for row in table.rows for c in self.split_list(row.get("communes"))}
        self.communes = set(Commune.objects.filter(code__in=commune_codes).values_list("code", flat=True))
        self.seen: dict[str, int] = {}

    def parse_row(self, row):
        name = self.text(row, "nom", required=True, max_length=200)
        if name:
            key = name.casefold()
            if key in self.seen:
                self.error(row, "nom", f"le CLSM « {name} » figure déjà ligne {self.seen[key]}")
                name = None
            else:
                self.seen[key] = row.line
        qpv_ids = []
        for code in self.split_list(row.get("qpv").upper()):
            if code not in self.qpvs:
                self.error(row, "qpv", f"QPV inconnu « {code} »")
            else:
                qpv_ids.append(self.qpvs[code])
        communes = []
        for raw in self.split_list(row.get("communes")):
            code = normalise_commune_code(raw)
            if code not in self.communes:
                self.error(row, "communes", f"commune inconnue « {raw} » (code INSEE du COG 2024 attendu)")
            else:
                communes.append(code)
        status = self.choice(row, "statut", CLSM.Status.values, default=CLSM.Status.ACTIVE)
        email = self.email(row, "email_contact")
        return {"name": name, "qpvs": qpv_ids, "communes": communes, "status": status, "contact_email": email}

    def apply(self, parsed, result):
        # The natural key ignores case, as the database constraint does.
        existing = {c.name.casefold(): c for c in CLSM.objects.all()}
        current_qpvs, current_communes = {}, {}
        for clsm_id, qpv_id in CLSM.qpvs.through.objects.filter(clsm__in=existing.values()).values_list(
            "clsm_id", "qpv_id"
        ):
            current_qpvs.setdefault(clsm_id, set()).add(qpv_id)
        for clsm_id, code in CLSM.communes.through.objects.filter(clsm__in=existing.values()).values_list(
            "clsm_id", "commune_id"
        ):
            current_communes.setdefault(clsm_id, set()).add(code)
        qpv_communes = {}
        for qpv_id, code in QPV.communes.through.objects.filter(
            qpv_id__in={q for p in parsed for q in p["qpvs"]}
        ).values_list("qpv_id", "commune_id"):
            qpv_communes.setdefault(qpv_id, set()).add(code)

        for item in parsed:
            communes = set(item["communes"]) or {c for q in item["qpvs"] for c in qpv_communes.get(q, ())}
            clsm = existing.get(item["name"].casefold())
            if clsm is None:
                clsm = CLSM.objects.create(
                    name=item["name"], status=item["status"], contact_email=item["contact_email"]
                )
                clsm.qpvs.set(item["qpvs"])
                clsm.communes.set(communes)
                result.created += 1
                continue
            changed = False
            if (clsm.status, clsm.contact_email) != (item["status"], item["contact_email"]):
                clsm.status, clsm.contact_email = item["status"], item["contact_email"]
                clsm.save(update_fields=["status", "contact_email", "updated_at"])
                changed = True
            if current_qpvs.get(clsm.pk, set()) != set(item["qpvs"]):
                clsm.qpvs.set(item["qpvs"])
                changed = True
            if current_communes.get(clsm.pk, set()) != communes:
                clsm.communes.set(communes)
                changed = True
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1
