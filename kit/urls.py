from django.urls import path

from kit import views, views_resources

app_name = "kit"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("proposer/", views.propose, name="propose"),
    path("mes-fiches/", views.my_sheets, name="my_sheets"),
    path("relecture/", views.review_queue, name="review_queue"),
    path("fiches/<slug:slug>/", views.sheet_detail, name="sheet_detail"),
    path("fiches/<slug:slug>/modifier/", views.sheet_edit, name="sheet_edit"),
    path("fiches/<slug:slug>/relecture/", views.review, name="review"),
    # The guided kit of a session (before / during / after)
    path("seances/<int:pk>/", views.session_kit, name="session_kit"),
    # The library of downloadable files
    path("ressources/", views_resources.resource_list, name="resource_list"),
    path("ressources/ajouter/", views_resources.resource_create, name="resource_create"),
    path("ressources/<int:pk>/telecharger/", views_resources.resource_download, name="resource_download"),
    path("ressources/<int:pk>/modifier/", views_resources.resource_edit, name="resource_edit"),
    path("ressources/<int:pk>/supprimer/", views_resources.resource_delete, name="resource_delete"),
]
