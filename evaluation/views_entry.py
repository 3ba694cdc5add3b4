"""Placeholder: being written (see evaluation/urls.py)."""

from django.http import Http404


def paper_entry(request, *args, **kwargs):
    raise Http404


def sheet_edit(request, *args, **kwargs):
    raise Http404


def sheet_delete(request, *args, **kwargs):
    raise Http404


def sheet_history(request, *args, **kwargs):
    raise Http404
