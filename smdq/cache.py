"""The production cache: Django's file cache in a folder that only the server's user may write."""

from django.core.cache.backends.filebased import FileBasedCache

from smdq.env import private_directory


class PrivateFileBasedCache(FileBasedCache):
    """Django creates the folder 0700 but reuses one that already exists, whoever made it; and it re-creates
    it when it disappears (before each write). Both go through the same check as at start-up."""

    def _createdir(self):
        private_directory(self._dir)
