from django.urls import path

from sessions_app import views_participants, views_requests, views_sessions

app_name = "sessions_app"
urlpatterns = [
    # Requests (sollicitations)
    path("sollicitations/", views_requests.request_list, name="request_list"),
    path("sollicitations/nouvelle/", views_requests.request_create, name="request_create"),
    path("sollicitations/<int:pk>/", views_requests.request_detail, name="request_detail"),
    path("sollicitations/<int:pk>/etude/", views_requests.request_review, name="request_review"),
    path("sollicitations/<int:pk>/accepter/", views_requests.request_accept, name="request_accept"),
    path("sollicitations/<int:pk>/refuser/", views_requests.request_decline, name="request_decline"),
    path("sollicitations/<int:pk>/retirer/", views_requests.request_withdraw, name="request_withdraw"),
    # Sessions (séances)
    path("seances/", views_sessions.session_list, name="session_list"),
    path("seances/calendrier/", views_sessions.session_calendar, name="session_calendar"),
    path("seances/nouvelle/", views_sessions.session_create, name="session_create"),
    path("seances/animee-par-le-territoire/", views_sessions.self_run_create, name="self_run_create"),
    path("seances/a-valider/", views_sessions.validation_list, name="validation_list"),
    path("seances/<int:pk>/validation/", views_sessions.session_validation, name="session_validation"),
    path("seances/<int:pk>/", views_sessions.session_detail, name="session_detail"),
    path("seances/<int:pk>/modifier/", views_sessions.session_edit, name="session_edit"),
    path("seances/<int:pk>/statut/", views_sessions.session_transition, name="session_transition"),
    path("agenda/", views_sessions.calendar_feed_settings, name="calendar_feed_settings"),
    path("agenda/<str:token>.ics", views_sessions.calendar_feed, name="calendar_feed"),
    # Sign-in sheet and participants
    path("seances/<int:pk>/feuille-emargement.pdf", views_participants.sign_in_sheet, name="sign_in_sheet"),
    path("seances/<int:pk>/participants/", views_participants.participant_entry, name="participant_entry"),
    path("structures/recherche/", views_participants.structure_search, name="structure_search"),
    # Personal data still kept, and when it goes
]
