"""The weekly hand-over of reception slips to the city (issue 8 §1, SPEC §10): due dates and
the dashboard, the allow-list, two-person approval, the AES-256 zip with a fresh password,
and sending by SMTP to a real SMTP server on loopback (two separate messages)."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email
import html
import io
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import zipfile
from email.message import Message
from pathlib import Path

import pytest
import pyzipper
from aiosmtpd.controller import Controller
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.bookings.models import Booking
from app.dates import jp_date
from app.privacy import handover
from app.privacy.models import HandlingLogEntry, HandoverPackage
from tests.app.test_bookings_reserve import make_booking
from tests.conftest import PASSWORD, SEASON_TODAY, Client, make_user

CITY = "mynumber@city.otaru.example.jp"
DASHBOARD = "/manager/privacy/handover"


@pytest.fixture
def city(app):
    app.config["HANDOVER_RECIPIENTS"] = (CITY, "backup@city.otaru.example.jp")
    return CITY


@pytest.fixture
def second_manager(app, db) -> Client:
    """Another manager, logged in on a client of their own (the approver)."""
    app.test_client_class = Client
    other: Client = app.test_client()  # type: ignore[assignment]
    make_user(db, "manager", "manager2")
    assert other.login("manager2", PASSWORD).status_code == 302
    return other


@pytest.fixture
def booked(db, season):
    """One booking; its visit week and that week's due Tuesday."""
    user = make_user(db, "operator", "op-handover")
    booking = make_booking(db, season, user.id)
    return booking


def week_of(booking: Booking) -> dt.date:
    return handover.week_start(booking.visit_date)


def errors_of(page: str) -> str:
    """The error summary and the messages under the fields."""
    found = re.findall(r'class="field-error">(.*?)</p>|<div class="errors" role="alert">(.*?)</div>',
                       page, flags=re.S)
    return html.unescape(" ".join(a or b for a, b in found))


def package_of(db, booking: Booking) -> HandoverPackage | None:
    return db.scalar(select(HandoverPackage).where(
        HandoverPackage.week_start == week_of(booking)).order_by(HandoverPackage.id.desc()))


def prepare(client: Client, booking: Booking, recipient: str = CITY):
    return client.post_form(f"/manager/privacy/handover/{week_of(booking).isoformat()}/prepare",
                            {"recipient": recipient})


def approve(client: Client, package_id: int, confirm: bool = True):
    return client.post_form(f"/manager/privacy/handover/packages/{package_id}/approve",
                            {"confirm": "y"} if confirm else {})


def release(client: Client, package_id: int, method: str = "download"):
    return client.post_form(f"/manager/privacy/handover/packages/{package_id}/release",
                            {"method": method})


def test_slips_of_week_w_are_due_on_the_tuesday_of_week_w_minus_1():
    monday = dt.date(2026, 7, 6)
    assert handover.due_date(monday) == dt.date(2026, 6, 30)
    assert handover.due_date(monday).weekday() == 1
    assert handover.week_start(dt.date(2026, 7, 10)) == monday


def test_dashboard_shows_due_then_late(app, manager_client, db, booked, city):
    week = week_of(booked)
    page = manager_client.get(DASHBOARD).get_data(as_text=True)
    row = re.search(rf'<tr data-week="{week}" data-status="(\w+)" data-late="(\w+)"', page)
    assert row and row.groups() == ("due", "no")
    app.config["APP_TODAY"] = handover.due_date(week) + dt.timedelta(days=1)
    page = manager_client.get(DASHBOARD).get_data(as_text=True)
    row = re.search(rf'<tr data-week="{week}" data-status="(\w+)" data-late="(\w+)"', page)
    assert row and row.groups() == ("due", "yes")
    assert "期限超過（作成待ち）" in page
    # The managers' top page counts the late week too.
    top = manager_client.get("/manager/").get_data(as_text=True)
    assert re.search(r"送付期限を過ぎた週 <strong>1</strong>件", top)


def test_a_recipient_off_the_allow_list_is_refused(manager_client, db, booked, city):
    response = prepare(manager_client, booked, "someone@gmail.example.com")
    assert response.status_code == 422
    assert "送信先「someone@gmail.example.com」は小樽市が指定した送信先（許可リスト）にありません" \
        in errors_of(response.get_data(as_text=True))
    assert db.scalar(select(func.count()).select_from(HandoverPackage)) == 0
    # The service itself refuses it too (not only the form's choices).
    with pytest.raises(handover.HandoverError) as refused:
        handover.check_recipient("someone@gmail.example.com", (CITY,))
    assert refused.value.field == "recipient"


def test_without_an_allow_list_nothing_can_be_sent(app, manager_client, db, booked):
    app.config["HANDOVER_RECIPIENTS"] = ()
    page = manager_client.get(DASHBOARD).get_data(as_text=True)
    assert "HANDOVER_RECIPIENTS" in page
    with pytest.raises(handover.HandoverError, match="許可リスト"):
        handover.check_recipient(CITY, ())


def test_self_approval_is_refused_and_a_second_manager_approves(
        manager_client, second_manager, db, booked, city):
    assert prepare(manager_client, booked).status_code == 302
    package = package_of(db, booked)
    assert package is not None and package.status == "ready"
    assert package.receipt_nos == [booked.receipt_no]

    response = approve(manager_client, package.id)
    assert response.status_code == 422
    assert "作成者本人は承認できません" in errors_of(response.get_data(as_text=True))
    db.refresh(package)
    assert package.status == "ready" and package.approved_by is None

    # Nor can it be released before approval.
    response = release(manager_client, package.id)
    assert response.status_code == 422
    assert "承認されていないパッケージは送付できません" in errors_of(response.get_data(as_text=True))

    # The approver must tick that the recipient is the city's address.
    response = approve(second_manager, package.id, confirm=False)
    assert response.status_code == 422
    assert "確認し、チェックを入れてください" in errors_of(response.get_data(as_text=True))

    assert approve(second_manager, package.id).status_code == 302
    db.refresh(package)
    assert package.status == "approved" and package.approved_by != package.prepared_by


def test_the_database_refuses_self_approval_too(db, booked, season):
    manager = make_user(db, "manager", "m-db")
    package = HandoverPackage(season_id=season.id, week_start=week_of(booked), status="approved",
                              recipient=CITY, booking_ids=[booked.id], receipt_nos=[1],
                              prepared_by=manager.id, approved_by=manager.id)
    db.add(package)
    with pytest.raises(Exception, match="(?i)check"):
        db.flush()
    db.rollback()


def released_download(manager_client, second_manager, db, booked) -> tuple[str, bytes, str]:
    assert prepare(manager_client, booked).status_code == 302
    package = package_of(db, booked)
    assert approve(second_manager, package.id).status_code == 302
    response = release(manager_client, package.id)
    assert response.status_code == 200, errors_of(response.get_data(as_text=True))
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    password = re.search(r'<code id="package-password"[^>]*>([^<]+)</code>', page).group(1)
    data = re.search(r'href="data:application/zip;base64,([^"]+)"', page).group(1)
    name = re.search(r'id="package-download" download="([^"]+)"', page).group(1)
    return password, base64.b64decode(data), name


def test_the_zip_opens_with_its_password_and_not_without(
        manager_client, second_manager, db, booked, city):
    password, archive, name = released_download(manager_client, second_manager, db, booked)
    assert name.endswith(".zip") and len(password) == handover.PASSWORD_LENGTH

    with pyzipper.AESZipFile(io.BytesIO(archive)) as z:
        names = z.namelist()
        assert sorted(n.rsplit(".", 1)[1] for n in names) == ["pdf", "xlsx"]
        info = z.getinfo(names[0])
        assert info.flag_bits & 0x1  # encrypted
        with pytest.raises(RuntimeError):  # no password
            z.read(names[0])
        with pytest.raises(RuntimeError):
            z.read(names[0], pwd=b"wrong-password-1")
        z.setpassword(password.encode())
        files = {n: z.read(n) for n in names}
    # AES (WinZip AE-x, method 99) with 256-bit keys: strength byte 3 in the 0x9901 extra
    # field. The standard library, which knows no AES, cannot read it at all.
    with zipfile.ZipFile(io.BytesIO(archive)) as plain:
        for raw in plain.infolist():
            at = raw.extra.find(b"\x01\x99")
            assert raw.compress_type == 99 and at >= 0 and raw.extra[at + 8] == 3
        with pytest.raises(NotImplementedError):
            plain.read(names[0], pwd=password.encode())

    xlsx = next(v for k, v in files.items() if k.endswith(".xlsx"))
    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert booked.name in values and booked.phone in values
    assert next(v for k, v in files.items() if k.endswith(".pdf")).startswith(b"%PDF")


SEVEN_ZIP = shutil.which("7z")


@pytest.mark.skipif(SEVEN_ZIP is None, reason=(
    "7z (Debian's p7zip-full) is not installed; `make test` installs it (scripts/ensure_7zip.sh)"))
def test_the_city_opens_the_package_with_7zip_and_its_password_only(
        manager_client, second_manager, db, booked, city, tmp_path):
    """What the city does with the download: a real external tool (7-Zip, the kind of tool
    the page and the mail tell them to use) opens it with the password shown, refuses a wrong
    one, and shows readable names, Japan-time dates and a workbook with the slip in it."""
    password, archive, name = released_download(manager_client, second_manager, db, booked)
    made = dt.datetime.now(handover.JST)
    path = tmp_path / name
    path.write_bytes(archive)
    assert SEVEN_ZIP is not None

    def seven(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([SEVEN_ZIP, *args], capture_output=True, text=True, timeout=60,
                              cwd=tmp_path)

    wrong = seven("x", "-y", "-pWrongPassword99", "-owrong", str(path))
    assert wrong.returncode != 0 and "Wrong password" in wrong.stdout + wrong.stderr
    assert not any(f.stat().st_size for f in (tmp_path / "wrong").glob("*"))
    listing = seven("l", "-slt", f"-p{password}", str(path)).stdout
    assert listing.count("Method = AES-256 Deflate") == 2
    for stamp in re.findall(r"^Modified = (.+)$", listing, flags=re.M):
        at = dt.datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=handover.JST)
        assert abs((made - at).total_seconds()) < 300, stamp  # Japan time, not UTC
    opened = seven("x", "-y", f"-p{password}", "-oopened", str(path))
    assert opened.returncode == 0, opened.stdout + opened.stderr
    files = sorted(p.name for p in (tmp_path / "opened").iterdir())
    assert [f.rsplit(".", 1)[1] for f in files] == ["pdf", "xlsx"]
    assert all(f.isascii() and f.startswith("uketsukehyo_") for f in files)
    xlsx = next((tmp_path / "opened").glob("*.xlsx"))
    values = [c for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row]
    assert booked.name in values and booked.phone in values and "受付番号" in values


def test_releasing_records_the_share_date_and_a_fresh_password_each_time(
        app, manager_client, second_manager, db, booked, season, city):
    first, archive, _ = released_download(manager_client, second_manager, db, booked)
    db.refresh(booked)
    assert booked.shared_on == dt.date(2026, 6, 1)
    assert booked.history[-1].action == "shared"
    page = manager_client.get("/operator/bookings/").get_data(as_text=True)
    assert "2026-06-01" in page.split(f'data-booking="{booked.id}"')[1].split("</tr>")[0]
    package = package_of(db, booked)
    assert package.status == "sent" and package.release_method == "download"
    entry = db.scalar(select(HandlingLogEntry).where(
        HandlingLogEntry.record_type == "handover_package",
        HandlingLogEntry.record_id == str(package.id)))
    assert entry.action == "export" and CITY in entry.detail
    assert entry.username == "manager1" and "承認" in entry.detail and "（manager2）" in entry.detail
    # The week is done; a second release of the same package is refused.
    response = release(manager_client, package.id)
    assert response.status_code == 422
    assert "既に送付済" in errors_of(response.get_data(as_text=True))
    # A later booking of the same week goes in a new package with a new password.
    other = make_booking(db, season, booked.booked_by, half="pm")
    assert week_of(other) == week_of(booked)
    second, _, _ = released_download(manager_client, second_manager, db, other)
    assert second != first
    assert package_of(db, other).receipt_nos == [other.receipt_no]
    passwords = {handover.new_password() for _ in range(50)}
    assert len(passwords) == 50


def test_a_recipient_dropped_from_the_list_after_approval_is_refused_at_release(
        app, manager_client, second_manager, db, booked, city):
    assert prepare(manager_client, booked).status_code == 302
    package = package_of(db, booked)
    assert approve(second_manager, package.id).status_code == 302
    app.config["HANDOVER_RECIPIENTS"] = ("backup@city.otaru.example.jp",)
    response = release(second_manager, package.id)
    assert response.status_code == 422
    assert "許可リスト" in errors_of(response.get_data(as_text=True))
    db.refresh(booked)
    assert booked.shared_on is None


def withdraw(client: Client, package_id: int, reason: str):
    return client.post_form(f"/manager/privacy/handover/packages/{package_id}/withdraw",
                            {"reason": reason})


def test_a_booking_cancelled_after_packing_stops_the_release_until_the_package_is_rebuilt(
        manager_client, second_manager, db, season, booked, city):
    from app.bookings.operations import cancel

    other = make_booking(db, season, booked.booked_by, half="pm")
    assert week_of(other) == week_of(booked)
    assert prepare(manager_client, booked).status_code == 302
    package = package_of(db, booked)
    assert set(package.booking_ids) == {booked.id, other.id}
    assert approve(second_manager, package.id).status_code == 302
    cancel(db, season, other, "入院のため", booked.booked_by, today=SEASON_TODAY)
    db.commit()

    dashboard = manager_client.get(DASHBOARD).get_data(as_text=True)
    warning = dashboard.split(f'data-stale="{package.id}"')[1].split("</p>")[0]
    assert f"受付番号 {other.receipt_no}" in warning and "取り下げて" in warning
    refused = release(second_manager, package.id)
    assert refused.status_code == 422
    assert f"取り消された予約があります（受付番号 {other.receipt_no}）" in errors_of(
        refused.get_data(as_text=True))
    db.refresh(booked)
    assert booked.shared_on is None

    blank = withdraw(manager_client, package.id, "  ")
    assert blank.status_code == 422 and "取り下げの理由" in errors_of(blank.get_data(as_text=True))
    assert withdraw(manager_client, package.id, "予約11番の取消").status_code == 302
    db.refresh(package)
    assert package.status == "withdrawn" and package.withdraw_reason == "予約11番の取消"
    page = manager_client.get(DASHBOARD).get_data(as_text=True)
    entry = page.split(f'data-package="{package.id}"')[1].split('data-package=')[0]
    assert "取り下げ済" in entry and "予約11番の取消" in entry

    assert prepare(manager_client, booked).status_code == 302
    rebuilt = package_of(db, booked)
    assert rebuilt.id != package.id and rebuilt.booking_ids == [booked.id]
    assert release(second_manager, package.id).status_code == 422  # the old one stays dead


def test_a_sent_package_cannot_be_withdrawn(manager_client, second_manager, db, booked, city):
    assert prepare(manager_client, booked).status_code == 302
    package = package_of(db, booked)
    assert approve(second_manager, package.id).status_code == 302
    assert release(second_manager, package.id).status_code == 200
    response = withdraw(manager_client, package.id, "間違い")
    assert response.status_code == 422
    assert "取り下げられません" in errors_of(response.get_data(as_text=True))
    db.refresh(package)
    assert package.status == "sent"


# --- SMTP -------------------------------------------------------------------------------------

class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                      SMTP_FROM="outreach@callcenter.example.jp", SMTP_STARTTLS=False)
    yield inbox
    controller.stop()


def test_sending_by_smtp_sends_the_package_and_the_password_separately(
        manager_client, second_manager, db, booked, city, smtp_server):
    assert prepare(manager_client, booked).status_code == 302
    package = package_of(db, booked)
    assert approve(second_manager, package.id).status_code == 302
    response = release(second_manager, package.id, "smtp")
    assert response.status_code == 302, errors_of(response.get_data(as_text=True))

    assert len(smtp_server.messages) == 2
    (from1, to1, first), (from2, to2, second) = smtp_server.messages
    assert to1 == to2 == [CITY] and from1 == from2 == "outreach@callcenter.example.jp"
    attachments = [p for p in first.walk() if p.get_filename()]
    assert len(attachments) == 1 and attachments[0].get_filename().endswith(".zip")
    archive = attachments[0].get_payload(decode=True)
    lines = second.get_payload(decode=True).decode().splitlines()
    password = next(line.strip() for line in lines if re.fullmatch(r"[A-Za-z0-9]{16}", line.strip()))
    first_text = "".join(p.get_payload(decode=True).decode()
                         for p in first.walk() if p.get_content_type() == "text/plain")
    assert password not in first_text
    assert not [p for p in second.walk() if p.get_filename()]
    assert "7-Zip" in first_text  # Windows' own extractor cannot open AES-256
    with pyzipper.AESZipFile(io.BytesIO(archive)) as z:
        z.setpassword(password.encode())
        assert all(z.read(n) for n in z.namelist())

    db.refresh(package)
    db.refresh(booked)
    assert package.status == "sent" and package.release_method == "smtp"
    assert booked.shared_on is not None


def test_a_failed_smtp_send_leaves_the_package_unsent(
        app, manager_client, second_manager, db, booked, city, caplog):
    port = free_port()  # nobody listens: the connection is refused
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="x@example.jp",
                      SMTP_STARTTLS=False)
    assert prepare(manager_client, booked).status_code == 302
    package = package_of(db, booked)
    assert approve(second_manager, package.id).status_code == 302
    response = release(manager_client, package.id, "smtp")
    assert response.status_code == 422
    shown = errors_of(response.get_data(as_text=True))
    assert "メール送信に失敗しました。メールサーバーに接続できないか" in shown
    assert "送付済にしていません" in shown
    assert english_words(shown) == set(), shown
    # The technical detail is in the server log, not on the page.
    logged = [r for r in caplog.records if r.name == "app.privacy.handover"]
    assert len(logged) == 1 and f"127.0.0.1:{port}" in logged[0].getMessage()
    assert "ConnectionRefusedError" in logged[0].getMessage()
    db.refresh(package)
    assert package.status == "approved" and package.released_at is None


# --- SMTP failures, against real SMTP servers on loopback ---------------------------------------

ALLOWED_WORDS = {"STARTTLS", "SMTP", "ZIP"}  # the managers' own terms


def english_words(text: str) -> set[str]:
    """Latin words in a Japanese message (tags aside), other than the recipient and
    ALLOWED_WORDS: where an untranslated smtplib or socket error would show."""
    text = re.sub(r"<[^>]*>", " ", text).replace(CITY, "")
    return set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_WORDS


class Refusing(Inbox):
    """A handler that answers RCPT or DATA with real SMTP refusals, in turn, then accepts."""

    def __init__(self, rcpt: str = "", data: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.rcpt = rcpt
        self.data = list(data)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.rcpt:
            return self.rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = self.data.pop(0) if self.data else ""
        if reply and not reply.startswith("250"):
            return reply
        return await super().handle_DATA(server, session, envelope)


def refuse_login(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=False, handled=False)  # aiosmtpd answers 535 5.7.8


@contextlib.contextmanager
def smtp_on_loopback(handler: Inbox, **options):
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@contextlib.contextmanager
def silent_server():
    """Accepts connections (the kernel does) but never greets: a hung mail server."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield listener.getsockname()[1]


def send(port: int, **settings) -> None:
    options = {"starttls": False, "timeout": 2.0, **settings}
    handover.send_by_mail(handover.SmtpSettings("127.0.0.1", port, "outreach@example.jp",
                                                **options),
                          CITY, "件名", "package.zip", b"PK-archive", "Secret-Pass-123")


@pytest.mark.parametrize("case", ["refused", "timeout", "no_starttls", "login_refused",
                                  "recipient_unknown", "data_refused", "password_refused"])
def test_each_kind_of_smtp_failure_gets_its_own_japanese_message(case):
    with contextlib.ExitStack() as stack:
        inbox = Refusing(rcpt="550 5.1.1 user unknown" if case == "recipient_unknown" else "",
                         data={"data_refused": ("554 5.6.0 message rejected",),
                               "password_refused": ("250", "552 5.3.4 message too big")
                               }.get(case, ()))
        settings: dict[str, object] = {}
        if case == "refused":
            port = free_port()
        elif case == "timeout":
            port = stack.enter_context(silent_server())
            settings["timeout"] = 0.5
        elif case == "login_refused":
            port = stack.enter_context(smtp_on_loopback(
                inbox, authenticator=refuse_login, auth_require_tls=False))
            settings.update(username="outreach", password="wrong-password")
        else:
            port = stack.enter_context(smtp_on_loopback(inbox))
            settings["starttls"] = case == "no_starttls"
        with pytest.raises(handover.MailError) as failed:
            send(port, **settings)
    error = failed.value
    kind, stage, cause = {
        "refused": ("connect", "connect", ConnectionRefusedError),
        "timeout": ("connect", "connect", smtplib.SMTPServerDisconnected),  # "timed out"
        "no_starttls": ("tls", "tls", smtplib.SMTPNotSupportedError),
        "login_refused": ("auth", "login", smtplib.SMTPAuthenticationError),
        "recipient_unknown": ("recipient", "package", smtplib.SMTPRecipientsRefused),
        "data_refused": ("other", "package", smtplib.SMTPDataError),
        "password_refused": ("other", "password", smtplib.SMTPDataError),
    }[case]
    assert (error.kind, error.stage) == (kind, stage)
    assert isinstance(error.__cause__, cause)
    if case == "timeout":
        assert "timed out" in str(error.__cause__)
    if case == "login_refused":
        assert error.__cause__.smtp_code == 535 and b"5.7.8" in error.__cause__.smtp_error
    shown = handover.mail_failure_message(error, CITY)
    assert shown.startswith("メール送信に失敗しました。" + handover.MAIL_FAILURES[kind].format(
        recipient=CITY))
    assert "このパッケージは送付済にしていません。" in shown
    assert english_words(shown) == set(), shown
    assert not re.search(r"\d{3}", shown)  # no reply codes
    # Only when the archive went out and its password did not, the message says so.
    assert ("開封パスワードのメールは送れていません" in shown) == (case == "password_refused")
    assert (len(inbox.messages) == 1) == (case == "password_refused")


TLS_DIR = Path(__file__).parent / "tls"


def tls_server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(TLS_DIR / "mail-server.crt", TLS_DIR / "mail-server.key")
    return context


def test_starttls_refuses_a_mail_server_whose_certificate_it_cannot_verify():
    inbox = Inbox()
    with smtp_on_loopback(inbox, tls_context=tls_server_context()) as port, \
            pytest.raises(handover.MailError) as failed:
        send(port, starttls=True)
    assert (failed.value.kind, failed.value.stage) == ("tls", "tls")
    assert isinstance(failed.value.__cause__, ssl.SSLCertVerificationError)
    assert inbox.messages == []  # neither the archive nor its password left
    assert "サーバー証明書" in handover.mail_failure_message(failed.value, CITY)


def test_starttls_trusts_the_city_ca_given_in_smtp_cafile():
    inbox = Inbox()
    with smtp_on_loopback(inbox, tls_context=tls_server_context()) as port:
        send(port, starttls=True, cafile=str(TLS_DIR / "mail-server.crt"))
    assert len(inbox.messages) == 2


def test_smtp_cafile_comes_from_the_app_config():
    settings = handover.smtp_settings({"SMTP_HOST": "mail.example.jp", "SMTP_FROM": "x@example.jp",
                                       "SMTP_CAFILE": "/etc/city-ca.pem"})
    assert settings is not None and settings.cafile == "/etc/city-ca.pem"


def test_a_refused_login_shows_a_japanese_reason_and_logs_the_servers_reply(
        app, manager_client, second_manager, db, booked, city, caplog):
    with smtp_on_loopback(Inbox(), authenticator=refuse_login, auth_require_tls=False) as port:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="x@example.jp",
                          SMTP_STARTTLS=False, SMTP_USERNAME="outreach",
                          SMTP_PASSWORD="wrong-password")
        assert prepare(manager_client, booked).status_code == 302
        package = package_of(db, booked)
        assert approve(second_manager, package.id).status_code == 302
        response = release(manager_client, package.id, "smtp")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    shown = errors_of(page)
    assert "ログイン（認証）を受け付けませんでした" in shown and "送付済にしていません" in shown
    assert "535" not in page and "Authentication" not in page and "wrong-password" not in page
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "app.privacy.handover")
    assert "535" in logged and "5.7.8" in logged and "login" in logged
    assert "wrong-password" not in logged
    db.refresh(package)
    db.refresh(booked)
    assert package.status == "approved" and package.release_method is None
    assert booked.shared_on is None
    assert db.scalar(select(func.count()).select_from(HandlingLogEntry).where(
        HandlingLogEntry.record_type == "handover_package")) == 0


def test_when_only_the_password_mail_fails_a_resend_makes_a_new_package(
        app, manager_client, second_manager, db, booked, city):
    inbox = Refusing(data=("250", "451 4.3.0 temporary failure"))
    with smtp_on_loopback(inbox) as port:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_FROM="x@example.jp",
                          SMTP_STARTTLS=False)
        assert prepare(manager_client, booked).status_code == 302
        package = package_of(db, booked)
        assert approve(second_manager, package.id).status_code == 302
        failed = release(manager_client, package.id, "smtp")
        assert failed.status_code == 422
        assert "開封パスワードのメールは送れていません" in errors_of(failed.get_data(as_text=True))
        db.refresh(package)
        assert package.status == "approved" and len(inbox.messages) == 1
        assert release(manager_client, package.id, "smtp").status_code == 302
    db.refresh(package)
    assert package.status == "sent"
    (_, _, lost), (_, _, again), (_, _, secret) = inbox.messages
    password = next(line.strip() for line in secret.get_payload(decode=True).decode().splitlines()
                    if re.fullmatch(r"[A-Za-z0-9]{16}", line.strip()))

    def archive_of(message: Message) -> bytes:
        return next(p for p in message.walk() if p.get_filename()).get_payload(decode=True)

    with pyzipper.AESZipFile(io.BytesIO(archive_of(again))) as z:
        z.setpassword(password.encode())
        assert all(z.read(n) for n in z.namelist())
    with pyzipper.AESZipFile(io.BytesIO(archive_of(lost))) as z, pytest.raises(RuntimeError):
        z.read(z.namelist()[0], pwd=password.encode())  # the first ZIP stays shut


def released_slip_rows(manager_client, second_manager, db, booking) -> list[dict[str, object]]:
    """Release the package of `booking`'s week; its slips as {column: value} rows."""
    password, archive, _ = released_download(manager_client, second_manager, db, booking)
    with pyzipper.AESZipFile(io.BytesIO(archive)) as z:
        z.setpassword(password.encode())
        xlsx = next(z.read(n) for n in z.namelist() if n.endswith(".xlsx"))
    rows = [r for r in load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True)
            if any(r)]
    header = next(i for i, r in enumerate(rows) if "受付番号" in r)
    return [dict(zip(rows[header], r, strict=True)) for r in rows[header + 1:]]


def test_a_shared_booking_moved_to_another_day_is_sent_again_as_a_corrected_slip(
        manager_client, second_manager, db, booked, season, city):
    from app.bookings.operations import Slot, reschedule
    from app.bookings.records import list_row
    from solver.season import Wish

    assert released_slip_rows(manager_client, second_manager, db, booked)[0]["訂正・取消"] in (
        None, "")
    first_share = booked.shared_on
    later = min(d.date for d in season.visit_days
                if d.kind == "home" and handover.week_start(d.date) > week_of(booked))
    reschedule(db, season, booked, Slot(later, "pm", 1, 1), Wish(), "本人の都合",
               booked.booked_by, today=dt.date(2026, 6, 1))
    db.commit()
    assert booked.shared_on is None and booked.history[-1].action == "share_outdated"
    assert booked.correction_of == first_share
    assert f"{jp_date(first_share, year=True)}（訂正待ち）" in list_row(booked).values  # 受付一覧表
    slip = manager_client.get(f"/operator/bookings/{booked.id}").get_data(as_text=True)
    assert "共有済み受付票の訂正待ち" in slip and "訂正版を次の共有パッケージで送ります" in slip
    assert handover.unshared_bookings(db, season.id, week_of(booked)) == [booked]

    rows = released_slip_rows(manager_client, second_manager, db, booked)
    assert [(r["受付番号"], r["訂正・取消"]) for r in rows] == [
        (booked.receipt_no, f"訂正版（{jp_date(first_share, year=True)} 共有分を差し替え）")]
    db.refresh(booked)
    assert booked.shared_on is not None and booked.correction_of is None


def test_cancelling_shared_bookings_sends_the_cancellation_and_the_new_times(
        manager_client, second_manager, db, booked, season, city):
    """The first visit of a half-day is cancelled after both slips went to the city: the
    city gets a cancellation notice for it and a corrected slip for the other, whose time
    moved up. A booking cancelled before it was ever shared is never sent."""
    from app.bookings.operations import cancel

    first = make_booking(db, season, booked.booked_by)  # same half-day, goes first
    db.refresh(booked)
    assert (first.visit_date, first.half, first.position, booked.position) == (
        booked.visit_date, booked.half, 1, 2)
    released_download(manager_client, second_manager, db, booked)
    db.refresh(booked)
    shared, old_eta = booked.shared_on, booked.eta
    never_shared = make_booking(db, season, booked.booked_by, half="pm")
    cancel(db, season, never_shared, "入院のため", booked.booked_by, today=SEASON_TODAY)
    cancel(db, season, first, "入院のため", booked.booked_by, today=SEASON_TODAY)
    db.commit()
    assert booked.position == 1 and booked.eta != old_eta
    assert handover.unshared_bookings(db, season.id, week_of(booked)) == [booked, first]
    status = next(w for w in handover.week_statuses(db, season, dt.date(2026, 6, 1))
                  if w.week_start == week_of(booked))
    assert (status.unshared, status.visits, status.corrections) == (2, 1, 2)  # no new visit
    page = manager_client.get(DASHBOARD).get_data(as_text=True)
    row = page.split(f'data-week="{week_of(booked)}"')[1].split("</tr>")[0]
    assert 'data-corrections="2"' in row and "うち訂正・取消 2" in row

    rows = released_slip_rows(manager_client, second_manager, db, booked)
    assert [(r["受付番号"], r["状態"], r["訂正・取消"], r["訪問順"]) for r in rows] == [
        (booked.receipt_no, "予約済", f"訂正版（{jp_date(shared, year=True)} 共有分を差し替え）", 1),
        (first.receipt_no, "取消", f"取消の連絡（{jp_date(shared, year=True)} 共有分）", 1),
    ]
    assert never_shared.receipt_no not in [r["受付番号"] for r in rows]
    # The corrected slip is a full slip again; the cancellation notice names the slip to
    # strike out and no more: no birth date, address, phone or reason goes out for a visit
    # that will not happen (特記事項 第3, 第7).
    corrected, notice = rows
    assert corrected["連絡先"] == booked.phone and corrected["住所"] == booked.address
    assert corrected["生年月日"] is not None and corrected["来庁が困難な理由"]
    assert (notice["氏名"], notice["町名"]) == (first.name, first.town)
    assert first.phone and first.address and first.birth_date
    assert all(notice[label] is None for label in (
        "生年月日", "住所", "連絡先", "電話をかけた方", "来庁が困難な理由", "理由の詳細",
        "申請の種類", "本人確認書類", "訪問時の注意", "その他")), notice
