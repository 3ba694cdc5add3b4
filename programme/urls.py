"""The project's URLs (ROOT_URLCONF): each app's own, plus the pages of the top floor."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_noop

from programme import views, views_history, views_tasks

admin.site.site_header = "La santé mentale dans mon quartier — administration"
admin.site.site_title = "smdq — administration"
admin.site.index_title = "Administration"
# The admin's French titles « Ajout de %s », « Modification de %s » do not elide (« Ajout de utilisateur·rice »,
# « de invitation »); locale/fr/LC_MESSAGES/django.po, which wins over Django's own catalogue, writes these three
# « Ajout : utilisateur·rice », whatever the first letter. Marked here so that `make messages` keeps them.
ADMIN_TITLES = (gettext_noop("Add %s"), gettext_noop("Change %s"), gettext_noop("View %s"))

urlpatterns = [
    path("", views.home, name="home"),
    path("comptes/", include("accounts.urls")),
    path("historique/<slug:kind>/<int:pk>/", views_history.object_history, name="object_history"),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("a-faire/<slug:kind>/", views.todo_sessions, name="todo_sessions"),
    path("donnees-personnelles/effacer/", views.personal_data_purge, name="personal_data_purge"),
    path("taches/", views_tasks.task_runs, name="task_runs"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("territoires/", include("territories.urls")),
    path("imports/", include("imports.urls")),
    path("", include("sessions_app.urls")),
    path("", include("evaluation.urls")),
    path("kit/", include("kit.urls")),
    path("admin/", admin.site.urls),
]
