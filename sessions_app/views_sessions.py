"""Placeholder: being written (see sessions_app/urls.py)."""
from django.http import Http404


def session_list(request, *args, **kwargs):
    raise Http404


def session_calendar(request, *args, **kwargs):
    raise Http404


def session_create(request, *args, **kwargs):
    raise Http404


def session_detail(request, *args, **kwargs):
    raise Http404


def session_edit(request, *args, **kwargs):
    raise Http404


def session_transition(request, *args, **kwargs):
    raise Http404


def calendar_feed_settings(request, *args, **kwargs):
    raise Http404


def calendar_feed(request, *args, **kwargs):
    raise Http404

