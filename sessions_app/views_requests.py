"""Placeholder: being written (see sessions_app/urls.py)."""
from django.http import Http404


def request_list(request, *args, **kwargs):
    raise Http404


def request_create(request, *args, **kwargs):
    raise Http404


def request_detail(request, *args, **kwargs):
    raise Http404


def request_review(request, *args, **kwargs):
    raise Http404


def request_accept(request, *args, **kwargs):
    raise Http404


def request_decline(request, *args, **kwargs):
    raise Http404


def request_withdraw(request, *args, **kwargs):
    raise Http404

