"""One entry point per output format, used by the `bilan` command and the download views alike."""

from evaluation.bilan import Scope


def render(fmt: str, data: dict, scope: Scope, *, funder: bool = False) -> bytes:
    """`data` from `compute_bilan(scope, funder=funder)`: the financeur's version is hidden by the engine."""
    if funder:
        from evaluation.suppression import suppress_for_funder

        data = suppress_for_funder(data)  # as it is when already the financeur's version
    if fmt == "pdf":
        from evaluation.report import bilan_pdf

        return bilan_pdf(scope, funder=funder, data=data)
    if fmt == "xlsx":
        from evaluation.spreadsheets import bilan_workbook

        return bilan_workbook(data)
    raise ValueError(f"format inconnu : {fmt}")
