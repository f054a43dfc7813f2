"""URL map of accounts."""

from flask import Blueprint

from fundmgr.accounts import views
from fundmgr.web import add_view

bp = Blueprint("accounts", __name__, url_prefix="/account")

add_view(bp, "/login", views.LoginView, "login")
add_view(bp, "/logout", views.LogoutView, "logout")
add_view(bp, "/", views.ProfileView, "profile")
add_view(bp, "/reset", views.ResetRequestView, "reset_request")
add_view(bp, "/reset/<token>", views.ResetPasswordView, "reset_password")
add_view(bp, "/users", views.UsersView, "users")
add_view(bp, "/users.<fmt>", views.UsersExportView, "users_export", heavy=True)
add_view(bp, "/users/<int:user_id>/end-sessions", views.EndSessionsView, "end_sessions")
add_view(bp, "/tokens", views.CreateApiTokenView, "create_api_token")
add_view(bp, "/tokens/<int:token_id>/revoke", views.RevokeApiTokenView, "revoke_api_token")
