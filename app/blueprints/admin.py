"""Account administration: staff accounts only, never applicants' personal data."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_user
from sqlalchemy import select
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.auth import operations as accounts
from app.auth.login import roles_required
from app.auth.models import User
from app.auth.roles import ROLE_LABELS, Role
from app.auth.roster import roster_xlsx
from app.db import session, utcnow
from app.forms import Form

bp = Blueprint("admin", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CreateUserForm(Form):
    username = StringField("ユーザー名", validators=[InputRequired("ユーザー名を入力してください。"),
                                                  Length(max=64)])
    display_name = StringField("氏名", validators=[InputRequired("氏名を入力してください。"),
                                                 Length(max=100)])
    role = SelectField("役割", choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    password = PasswordField("初期パスワード",
                             validators=[InputRequired("初期パスワードを入力してください。")])
    team = IntegerField("担当班（訪問チームのみ）", validators=[Optional()],
                        description="空欄 = すべての班のルート表を見られます")


class TeamForm(Form):
    team = IntegerField("担当班", validators=[Optional()])


class ResetPasswordForm(Form):
    password = PasswordField("新しいパスワード",
                             validators=[InputRequired("新しいパスワードを入力してください。")])


class ActionForm(Form):
    """CSRF-only form behind the unlock / enable / disable buttons."""


def _user_or_404(user_id: int) -> User:
    user = session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _users_page(form: CreateUserForm | None = None, status: int = 200) -> Any:
    users = session().scalars(select(User).order_by(User.role, User.username)).all()
    return render_template(
        "admin/users.html", users=users, form=form or CreateUserForm(), action_form=ActionForm(),
        reset_form=ResetPasswordForm(), team_form=TeamForm(), now=utcnow(),
        role_labels=ROLE_LABELS,
    ), status


@bp.route("/users")
@roles_required(Role.ADMIN)
def users() -> Any:
    return _users_page()


@bp.route("/users.xlsx")
@roles_required(Role.ADMIN)
def users_xlsx() -> Any:
    """The staff roster as .xlsx, for the written report to the city (第5)."""
    users = session().scalars(select(User).order_by(User.role, User.username)).all()
    return send_file(io.BytesIO(roster_xlsx(users)), as_attachment=True, mimetype=XLSX,
                     download_name="staff_roster.xlsx")


@bp.route("/users", methods=["POST"])
@roles_required(Role.ADMIN)
def create_user() -> Any:
    form = CreateUserForm()
    if not form.validate_on_submit():
        return _users_page(form, 422)
    try:
        user = accounts.create_user(
            session(), form.username.data or "", form.display_name.data or "",
            form.role.data or "", form.password.data or "", form.team.data,
        )
    except accounts.AccountError as exc:
        field = getattr(form, exc.field, None)
        if field is not None:
            field.errors = [*field.errors, exc.message]
        else:
            flash(exc.message, "error")
        return _users_page(form, 422)
    flash(f"アカウント「{user.username}」を作成しました。", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@roles_required(Role.ADMIN)
def unlock(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    accounts.unlock(user)
    flash(f"「{user.username}」のロックを解除しました。", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/enabled/<int:enabled>", methods=["POST"])
@roles_required(Role.ADMIN)
def set_enabled(user_id: int, enabled: int) -> Any:
    user = _user_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        accounts.set_enabled(session(), user, bool(enabled), current_user)
    except accounts.AccountError as exc:
        flash(exc.message, "error")
        return _users_page(status=422)
    flash(f"「{user.username}」を{'有効' if enabled else '無効'}にしました。", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/team", methods=["POST"])
@roles_required(Role.ADMIN)
def set_team(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = TeamForm()
    if not form.validate_on_submit():
        flash("担当班は番号で入力してください（空欄 = すべての班）。", "error")
        return _users_page(status=422)
    try:
        accounts.set_team(user, form.team.data)
    except accounts.AccountError as exc:
        flash(exc.message, "error")
        return _users_page(status=422)
    flash(f"「{user.username}」の担当班を{user.team or 'すべて'}にしました。", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_password(user_id: int) -> Any:
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        flash("新しいパスワードを入力してください。", "error")
        return _users_page(status=422)
    try:
        accounts.reset_password(user, form.password.data or "")
    except accounts.AccountError as exc:
        flash(f"「{user.username}」: {exc.message}", "error")
        return _users_page(status=422)
    if user.id == current_user.id:
        login_user(user)  # a new password ends the other sessions, not this one
    flash(f"「{user.username}」のパスワードを再設定しました。", "success")
    return redirect(url_for("admin.users"))
