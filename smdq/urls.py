from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from accounts import views_history

admin.site.site_header = "La santé mentale dans mon quartier — administration"
admin.site.site_title = "smdq — administration"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", account_views.home, name="home"),
    path("comptes/", include("accounts.urls")),
    path("historique/<slug:kind>/<int:pk>/", views_history.object_history, name="object_history"),
    path("territoires/", include("territories.urls")),
    path("imports/", include("imports.urls")),
    path("", include("sessions_app.urls")),
    path("", include("evaluation.urls")),
    path("kit/", include("kit.urls")),
    path("admin/", admin.site.urls),
]
