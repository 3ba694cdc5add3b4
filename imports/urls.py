from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/confirmer/", views.confirm, name="confirm"),
    path("modeles/<slug:kind>.csv", views.template, name="template"),
]
