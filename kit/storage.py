"""Where the kit's downloadable files are kept: a folder of MEDIA_ROOT that has no public URL.

The application never serves MEDIA_URL (programme/urls.py has no media route) and files are stored under random
names; they reach people only through `kit:resource_download`, which checks who asks. A web server in front
must not publish this folder either (no alias to MEDIA_ROOT)."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property

from smdq.env import private_directory

PRIVATE_FOLDER = "kit-prive"


class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT/kit-prive, read from the settings when first used (tests may point MEDIA_ROOT elsewhere)."""

    @cached_property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, PRIVATE_FOLDER)

    def _save(self, name, content):
        # Restricted files are served after a permission check: the folder must be the server's alone, or
        # another local account could swap a file for its own.
        private_directory(self.base_location)
        return super()._save(name, content)

    def url(self, name):
        raise ValueError("Les fichiers du kit n'ont pas d'adresse publique : passez par kit:resource_download.")


_storage = PrivateStorage()


def private_storage():
    """The storage of `Resource.file` (a callable, so migrations do not freeze a path)."""
    return _storage
