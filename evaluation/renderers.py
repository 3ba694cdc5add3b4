"""One entry point per output format, used by the `bilan` command and the download views alike."""

from evaluation.bilan import Scope


def render(fmt: str, data: dict, scope: Scope, *, hide_small: bool = False) -> bytes:
    if fmt == "pdf":
        from evaluation.report import bilan_pdf

        return bilan_pdf(scope, hide_small=hide_small, data=data)
    if fmt == "xlsx":
        from evaluation.spreadsheets import bilan_workbook

        return bilan_workbook(data, hide_small=hide_small)
    raise ValueError(f"format inconnu : {fmt}")
