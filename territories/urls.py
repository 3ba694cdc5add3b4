from django.urls import path

from territories import views

app_name = "territories"
urlpatterns = [
    path("clsm/", views.clsm_list, name="clsm_list"),
    path("clsm/nouveau/", views.clsm_create, name="clsm_create"),
    path("clsm/<int:pk>/", views.clsm_detail, name="clsm_detail"),
    path("clsm/<int:pk>/modifier/", views.clsm_edit, name="clsm_edit"),
    path("qpv/recherche/", views.qpv_search, name="qpv_search"),
    path("communes/recherche/", views.commune_search, name="commune_search"),
]
