from django.urls import path

from faq import views

app_name = "faq"

urlpatterns = [
    path("new/", views.make_faq, name="make"),
    path("<slug:slug>/", views.entry_page, name="entry"),
]
