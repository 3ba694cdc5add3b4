from django.urls import path

from territories import views, views_onboarding

app_name = "territories"
urlpatterns = [
    path("clsm/", views.clsm_list, name="clsm_list"),
    path("clsm/nouveau/", views.clsm_create, name="clsm_create"),
    path("clsm/<int:pk>/", views.clsm_detail, name="clsm_detail"),
    path("clsm/<int:pk>/modifier/", views.clsm_edit, name="clsm_edit"),
    path("qpv/recherche/", views.qpv_search, name="qpv_search"),
    path("communes/recherche/", views.commune_search, name="commune_search"),
    # Onboarding: coordinators and their invitations, contact requests of CLSM not yet known
    path("coordinateurs/", views_onboarding.coordinator_list, name="coordinator_list"),
    path("coordinateurs/inviter/", views_onboarding.invitation_create, name="invitation_create"),
    path("coordinateurs/<int:pk>/activation/", views_onboarding.coordinator_activation, name="coordinator_activation"),
    path("invitations/<int:pk>/renvoyer/", views_onboarding.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoquer/", views_onboarding.invitation_revoke, name="invitation_revoke"),
    path("animateurs-locaux/", views_onboarding.local_animator_list, name="local_animator_list"),
    path("animateurs-locaux/inviter/", views_onboarding.local_animator_invite, name="local_animator_invite"),
    path("animateurs-locaux/<int:pk>/retirer/", views_onboarding.local_animator_remove, name="local_animator_remove"),
    path("invitation/<str:token>/", views_onboarding.invitation_accept, name="invitation_accept"),
    path("organiser-une-seance/", views_onboarding.contact_request_create, name="contact_request_create"),
    path("organiser-une-seance/merci/", views_onboarding.contact_thanks, name="contact_thanks"),
    path("demandes-de-contact/", views_onboarding.contact_request_list, name="contact_request_list"),
    path("demandes-de-contact/<int:pk>/", views_onboarding.contact_request_detail, name="contact_request_detail"),
    path("demandes-de-contact/<int:pk>/classer/", views_onboarding.contact_request_file, name="contact_request_file"),
]
