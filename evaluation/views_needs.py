"""Placeholder: being written (see evaluation/urls.py)."""

from django.http import Http404


def needs_categorise(request, *args, **kwargs):
    raise Http404


def need_assign(request, *args, **kwargs):
    raise Http404


def need_assign_bulk(request, *args, **kwargs):
    raise Http404
