"""Django's form renderer, with the most repeated widgets written in Python.

Django renders each text field through three nested templates (`text.html` includes `input.html`, which includes
`attrs.html`) and each option of a list through two more per option (`select_option.html`, `attrs.html`). A filter
form offers 300 CLSM and 101 départements, a sign-in sheet holds 32 rows of 9 fields: rendering those templates
was most of the time of the calendar, the lists and the participant entry at the national size. The functions
below write the same HTML as Django's templates (same attributes, same escaping) without a template; every other
widget, and any widget given its own template, still goes through Django's.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

_WIDGETS = "django/forms/widgets/"
_INPUTS = {f"{_WIDGETS}{name}.html" for name in ("input", "text", "email", "hidden", "number", "password", "url")}
_SELECT = f"{_WIDGETS}select.html"
_OPTION = f"{_WIDGETS}select_option.html"


def _attrs(attrs: dict) -> str:
    # attrs.html: ` name="value"`, a bare ` name` for True, nothing for False.
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{conditional_escape(str(widget["value"]))}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'


def _select(widget: dict) -> str | None:
    html = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION:
                return None  # an option with its own template: Django renders the whole list
            html.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            html.append("\n  </optgroup>")
    html.append("\n</select>")  # Django strips what a widget's template renders
    return "".join(html)


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None:
            if template_name in _INPUTS:
                return mark_safe(_input(widget))
            if template_name == _SELECT:
                html = _select(widget)
                if html is not None:
                    return mark_safe(html)
        return super().render(template_name, context, request)
