"""Placeholder: being written (see sessions_app/urls.py)."""
from django.http import Http404


def sign_in_sheet(request, *args, **kwargs):
    raise Http404


def participant_entry(request, *args, **kwargs):
    raise Http404


def structure_search(request, *args, **kwargs):
    raise Http404

