from django.urls import path

from kit import views

app_name = "kit"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("proposer/", views.propose, name="propose"),
    path("mes-fiches/", views.my_sheets, name="my_sheets"),
    path("relecture/", views.review_queue, name="review_queue"),
    path("fiches/<slug:slug>/", views.sheet_detail, name="sheet_detail"),
    path("fiches/<slug:slug>/modifier/", views.sheet_edit, name="sheet_edit"),
    path("fiches/<slug:slug>/relecture/", views.review, name="review"),
]
