"""Rows with a natural key (`reference`): each creates its object or updates the one already there, in bulk.

What an importer of such rows declares: its `model`, the `FIELDS` a row sets, the many-to-many `LINKS` it
replaces (row key → field name), and where status changes are journalled (`status_log`). `apply` then does
the same for every kind: one diff against the objects already saved, one bulk create, one bulk update, the
links, the status journal and the change history, whatever the number of rows.
"""

from django.utils import timezone

from imports.base import Importer
from imports.bulk import CHUNK, chunks, replace_pairs, through_pairs, write_history

IMPORT_REASON = "Import"  # the reason of the status changes an import records


class KeyedImporter(Importer):
    model = None
    key = "reference"
    FIELDS: tuple[str, ...] = ()
    DERIVED: tuple[str, ...] = ()  # fields `derive` computes from the others (written with them)
    LINKS: dict[str, str] = {}  # key of the parsed row → many-to-many field of the model
    # (journal model, its foreign key to `model`): a row per creation and per status change; None for none.
    status_log: tuple | None = None

    def existing(self, keys) -> dict:
        found = {}
        for part in chunks(keys):
            found.update(
                (getattr(obj, self.key), obj) for obj in self.model.objects.filter(**{f"{self.key}__in": part})
            )
        return found

    def build(self, item: dict):
        """A new object from a parsed row (bulk_create skips save(): what save() derives is derived here)."""
        obj = self.model(**{self.key: item[self.key]}, **{f: item[f] for f in self.FIELDS})
        self.derive(obj)
        return obj

    def derive(self, obj) -> None:
        """Sets the `DERIVED` fields, which save() would compute (save() is not called)."""

    def _journal(self, obj, from_status=""):
        journal, owner = self.status_log
        return journal(
            **{owner: obj}, from_status=from_status, to_status=obj.status, changed_by=self.user, reason=IMPORT_REASON
        )

    def apply(self, parsed, result):
        model = self.model
        existing = self.existing(p[self.key] for p in parsed)
        current_links = {
            name: through_pairs(getattr(model, field), [obj.pk for obj in existing.values()])
            for name, field in self.LINKS.items()
        }
        now = timezone.now()
        new, changed, journal = [], [], []
        link_changes = {name: {} for name in self.LINKS}
        for item in parsed:
            obj = existing.get(item[self.key])
            if obj is None:
                new.append((self.build(item), item))
                continue
            differs = [f for f in self.FIELDS if getattr(obj, f) != item[f]]
            previous_status = getattr(obj, "status", None)
            for f in differs:
                setattr(obj, f, item[f])
            if self.status_log and "status" in differs:
                journal.append(self._journal(obj, from_status=previous_status))
            if differs:
                self.derive(obj)
                obj.updated_at = now
                changed.append(obj)
            links_differ = False
            for name in self.LINKS:
                if current_links[name].get(obj.pk, set()) != set(item[name]):
                    link_changes[name][obj.pk] = item[name]
                    links_differ = True
            if differs or links_differ:
                result.updated += 1
            else:
                result.unchanged += 1

        model.objects.bulk_create([obj for obj, _item in new], batch_size=CHUNK)
        for obj, item in new:
            for name in self.LINKS:
                link_changes[name][obj.pk] = item[name]
            if self.status_log:
                journal.append(self._journal(obj))
        result.created += len(new)
        model.objects.bulk_update(changed, [*self.FIELDS, *self.DERIVED, "updated_at"], batch_size=CHUNK)
        for name, field in self.LINKS.items():
            replace_pairs(getattr(model, field), link_changes[name])
        if self.status_log:
            self.status_log[0].objects.bulk_create(journal, batch_size=CHUNK)
        write_history(model, [obj for obj, _item in new], changed, self.user)
