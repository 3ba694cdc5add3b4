from django.urls import path

from evaluation import views_dashboard, views_entry, views_followup, views_needs, views_online

app_name = "evaluation"
urlpatterns = [
    # Paper questionnaires typed by the national centre
    path("seances/<int:pk>/questionnaires/", views_entry.paper_entry, name="paper_entry"),
    path("seances/<int:pk>/questionnaires/<int:number>/", views_entry.sheet_edit, name="sheet_edit"),
    path("seances/<int:pk>/questionnaires/<int:number>/supprimer/", views_entry.sheet_delete, name="sheet_delete"),
    path("seances/<int:pk>/questionnaires/historique/", views_entry.sheet_history, name="sheet_history"),
    # Online self-fill: public link, QR code, poster and printable questionnaire
    path("q/<str:token>/", views_online.public_questionnaire, name="public_questionnaire"),
    path("q/<str:token>/merci/", views_online.public_thanks, name="public_thanks"),
    path("seances/<int:pk>/questionnaire-en-ligne/", views_online.link_page, name="link_page"),
    path("seances/<int:pk>/questionnaire-qr.svg", views_online.qr_code, name="qr_code"),
    path("seances/<int:pk>/affiche.pdf", views_online.poster_pdf, name="poster_pdf"),
    path("seances/<int:pk>/questionnaire.pdf", views_online.paper_questionnaire_pdf, name="paper_questionnaire_pdf"),
    # The bilan
    path("bilan/", views_dashboard.dashboard, name="dashboard"),
    path("bilan/graphique/<slug:name>.svg", views_dashboard.bilan_chart, name="bilan_chart"),
    path("bilan/donnees.json", views_dashboard.bilan_json, name="bilan_json"),
    path("bilan/rapport.pdf", views_dashboard.bilan_document, {"fmt": "pdf"}, name="bilan_pdf"),
    path("bilan/tableaux.xlsx", views_dashboard.bilan_document, {"fmt": "xlsx"}, name="bilan_xlsx"),
    path("bilan/reponses.xlsx", views_dashboard.responses_export, name="responses_export"),
    path("bilan/documents/preparer/", views_dashboard.document_prepare, name="document_prepare"),
    path("bilan/documents/<int:pk>/", views_dashboard.document_detail, name="document_detail"),
    path("bilan/documents/<int:pk>/fichier", views_dashboard.document_download, name="document_download"),
    path("bilan/editions/", views_dashboard.edition_list, name="edition_list"),
    path("bilan/editions/publier/", views_dashboard.edition_publish, name="edition_publish"),
    path("bilan/editions/<int:pk>/", views_dashboard.edition_detail, name="edition_detail"),
    path("bilan/editions/<int:pk>.pdf", views_dashboard.edition_download, {"fmt": "pdf"}, name="edition_pdf"),
    path("bilan/editions/<int:pk>.json", views_dashboard.edition_download, {"fmt": "json"}, name="edition_json"),
    # Follow-up of effects, some months after a session
    path("suivis/", views_followup.followup_list, name="followup_list"),
    path("suivis/<int:pk>/", views_followup.followup_answer, name="followup_answer"),
    # Expressed needs
    path("besoins/", views_needs.needs_categorise, name="needs_categorise"),
    path("besoins/<int:pk>/categorie/", views_needs.need_assign, name="need_assign"),
    path("besoins/categorie-groupee/", views_needs.need_assign_bulk, name="need_assign_bulk"),
]
