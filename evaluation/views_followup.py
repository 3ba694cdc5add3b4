"""Placeholder: being written (see evaluation/urls.py)."""
from django.http import Http404


def followup_list(request, *args, **kwargs):
    raise Http404


def followup_answer(request, *args, **kwargs):
    raise Http404
