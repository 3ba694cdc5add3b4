"""Every importable kind (`import_data KIND FILE`) registers its importer here from its app's ready()."""

_IMPORTERS: dict = {}


def register(importer_class):
    _IMPORTERS[importer_class.kind] = importer_class
    return importer_class


def get(kind: str):
    return _IMPORTERS[kind]


def kinds() -> list[str]:
    return sorted(_IMPORTERS)


def all_importers() -> list:
    return [_IMPORTERS[kind] for kind in kinds()]
