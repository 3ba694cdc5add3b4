"""Placeholder: being written (see evaluation/urls.py)."""

from django.http import Http404


def public_questionnaire(request, *args, **kwargs):
    raise Http404


def public_thanks(request, *args, **kwargs):
    raise Http404


def link_page(request, *args, **kwargs):
    raise Http404


def qr_code(request, *args, **kwargs):
    raise Http404


def poster_pdf(request, *args, **kwargs):
    raise Http404


def paper_questionnaire_pdf(request, *args, **kwargs):
    raise Http404
