"""The weekly hand-over of reception slips to the city (SPEC §10, seed 004 §9(1)).

The slips of every home visit of week W (Monday to Sunday) go to the city by the Tuesday of
week W−1. The contract's safeguards, all enforced here:

- ア the recipient must be an address the city designated: it is checked against the
  configured allow-list (`HANDOVER_RECIPIENTS`) when the package is prepared, when it is
  approved and again when it is released;
- イ the files travel in an AES-256 encrypted zip whose password is generated fresh for every
  release (`secrets`) and travels separately: a second e-mail, or shown once on screen for a
  download. Neither the archive nor the password is ever stored;
- ウ a second manager, not the one who prepared the package, approves it before release
  (both safeguards (ア) and (イ) of ウ are in force, not one of them).

Releasing records the share date (受付一覧表 小樽市共有日) on each booking and writes an
`export` row to the handling log. When a shared booking later gets another date or time, or
is cancelled, its share date is cleared (`Booking.share_outdated`): it goes again in the
package of its (new) week, and its slip says which earlier slip it corrects or cancels.

Facility applicant lists (SPEC §8: the list goes to the city about 1 week before the visit)
travel in the same package: a facility belongs to the week of its first visit (a facility
of 5 or fewer booked into a home slot: that booking's), and its stored list goes in as one
more .xlsx once it has arrived. Releasing records the share date
on each of the facility's visit parts and writes an `export` row for the list too. A list
uploaded again after it was shared is unshared again and goes in a later package. A list
stored before a re-booking whose size no longer matches the booking
(`app.facilities.operations.list_mismatch`) is held back until the office uploads a new
list or confirms the stored one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import secrets
import smtplib
import ssl
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pyzipper
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.bookings.models import Booking, BookingEvent
from app.dates import jp_date
from app.db import utcnow
from app.facilities.applicant_list import export_xlsx as applicant_list_xlsx
from app.facilities.models import FacilityEvent, FacilityRequest
from app.facilities.operations import APPLICANT_LIST_RECORD, list_mismatch
from app.facilities.planning import (
    LIST_SHARED_EVENT,
    list_shared,
    list_visit_dates,
    shareable_parts,
)
from app.privacy.models import HandoverPackage
from app.privacy.operations import log_handling
from app.privacy.slips import slips_pdf, slips_xlsx
from app.seasons.models import SeasonRecord

log = logging.getLogger(__name__)

PACKAGE_RECORD_TYPE = "handover_package"
# No look-alike characters (0/O, 1/l/I): the password is read off a screen or an e-mail.
PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
PASSWORD_LENGTH = 16

WEEK_STATUS_LABELS: dict[str, str] = {
    "none": "対象なし",
    "due": "作成待ち",
    "ready": "承認待ち",
    "approved": "送付待ち",
    "sent": "送付済",
    "withdrawn": "取り下げ",
}
PACKAGE_STATUS_LABELS: dict[str, str] = {
    "ready": "承認待ち",
    "approved": "承認済（送付待ち）",
    "sent": "送付済",
    "withdrawn": "取り下げ済",
}
RELEASE_METHODS: dict[str, str] = {
    "download": "ダウンロード（パスワードは画面に一度だけ表示）",
    "smtp": "メール送信（パッケージとパスワードを別々のメールで送信）",
}


class HandoverError(Exception):
    """The step is refused; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def due_date(week: dt.date) -> dt.date:
    """The Tuesday of the week before visit week `week` (a Monday)."""
    return week - dt.timedelta(days=6)


def _in_week(week: dt.date) -> Any:
    return Booking.visit_date.between(week, week + dt.timedelta(days=6))


def _city_knows_of() -> Any:
    """Bookings the city must hear of: everything but those cancelled before their day,
    unless the city already had their slip (then it must hear of the cancellation)."""
    return or_(Booking.status != "cancelled", Booking.outcome_recorded_at.is_not(None),
               Booking.history.any(BookingEvent.action == "share_outdated"))


def _visits(season_id: int, week: dt.date) -> Any:
    """The week's home visits the city must know of (`_city_knows_of`)."""
    return select(Booking).where(
        Booking.season_id == season_id, _in_week(week), _city_knows_of(),
    ).order_by(Booking.receipt_no)


def unshared_bookings(db: Session, season_id: int, week: dt.date) -> list[Booking]:
    return list(db.scalars(_visits(season_id, week).where(
        Booking.shared_on.is_(None), Booking.personal_data_deleted_on.is_(None))))


def facility_week(facility: FacilityRequest) -> dt.date | None:
    """The visit week whose package carries the facility's list (its first visit's, or its
    home booking's for a facility of 5 or fewer: `list_visit_dates`)."""
    days = list_visit_dates(facility)
    return week_start(min(days)) if days else None


def facility_list_shared(facility: FacilityRequest) -> bool:
    return list_shared(facility)


def _season_facilities(db: Session, season_id: int) -> list[FacilityRequest]:
    """Facilities with a stored applicant list whose visit is (or was) planned."""
    rows = db.scalars(select(FacilityRequest).where(
        FacilityRequest.season_id == season_id, FacilityRequest.list_uploaded_at.is_not(None))
        .order_by(FacilityRequest.id))
    return [f for f in rows if facility_week(f) is not None]


def facility_list_held(facility: FacilityRequest) -> bool:
    """A stored list that needs checking (`list_mismatch`: stored before a re-booking for a
    different number) is not shared until it is uploaded again or confirmed."""
    return list_mismatch(facility) is not None


def unshared_facilities(db: Session, season_id: int, week: dt.date) -> list[FacilityRequest]:
    return [f for f in _season_facilities(db, season_id)
            if facility_week(f) == week and not facility_list_shared(f)
            and f.personal_data_deleted_on is None and not facility_list_held(f)]


@dataclass(frozen=True)
class WeekStatus:
    """One visit week on the managers' hand-over dashboard."""

    week_start: dt.date
    due_on: dt.date
    visits: int
    shared: int
    unshared: int
    packages: list[HandoverPackage] = field(default_factory=list)
    today: dt.date = dt.date.min
    facility_lists: int = 0  # facilities of the week whose list has arrived
    facility_lists_shared: int = 0
    facility_lists_unshared: int = 0
    facility_lists_held: int = 0  # lists to check first (`facility_list_held`), not sent
    corrections: int = 0  # unshared slips that correct or cancel one the city already has

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def to_send(self) -> int:
        """Slips and facility lists not yet shared."""
        return self.unshared + self.facility_lists_unshared

    @property
    def open_package(self) -> HandoverPackage | None:
        return next((p for p in self.packages if p.status in ("ready", "approved")), None)

    @property
    def status(self) -> str:
        if self.to_send == 0:
            return "sent" if self.shared or self.facility_lists_shared else "none"
        package = self.open_package
        return package.status if package else "due"

    @property
    def late(self) -> bool:
        """Slips or lists still unsent after the due Tuesday."""
        return self.to_send > 0 and self.today > self.due_on

    @property
    def label(self) -> str:
        text = WEEK_STATUS_LABELS[self.status]
        return f"期限超過（{text}）" if self.late else text


def week_statuses(db: Session, record: SeasonRecord, today: dt.date) -> list[WeekStatus]:
    """Every week with home visit days or bookings, with its hand-over status."""
    weeks = {week_start(d.date) for d in record.visit_days if d.kind == "home"}
    bookings = list(db.scalars(
        select(Booking).where(Booking.season_id == record.id, _city_knows_of())
        .options(selectinload(Booking.history))))
    weeks |= {week_start(b.visit_date) for b in bookings}
    facilities = _season_facilities(db, record.id)
    weeks |= {w for f in facilities if (w := facility_week(f)) is not None}
    packages = list(db.scalars(
        select(HandoverPackage).where(HandoverPackage.season_id == record.id)
        .order_by(HandoverPackage.id)))
    result = []
    for week in sorted(weeks):
        mine = [b for b in bookings if week_start(b.visit_date) == week]
        shared = sum(1 for b in mine if b.shared_on is not None)
        pending = [b for b in mine if b.shared_on is None and b.personal_data_deleted_on is None]
        lists = [f for f in facilities if facility_week(f) == week]
        lists_shared = sum(1 for f in lists if facility_list_shared(f))
        waiting = [f for f in lists if not facility_list_shared(f)
                   and f.personal_data_deleted_on is None]
        held = sum(1 for f in waiting if facility_list_held(f))
        lists_unshared = len(waiting) - held
        result.append(WeekStatus(
            week_start=week, due_on=due_date(week),
            visits=sum(1 for b in mine if b.status != "cancelled" or b.outcome_recorded_at),
            shared=shared, unshared=len(pending),
            corrections=sum(1 for b in pending if b.correction_of is not None),
            packages=[p for p in packages if p.week_start == week],
            today=today, facility_lists=len(lists), facility_lists_shared=lists_shared,
            facility_lists_unshared=lists_unshared, facility_lists_held=held))
    return result


def normalise_address(address: str) -> str:
    return address.strip().lower()


def check_recipient(recipient: str, allowed: Iterable[str]) -> str:
    """The recipient, if the city designated it (seed 004 §9(1)ア); refused otherwise."""
    allow = {normalise_address(a) for a in allowed if a.strip()}
    if not allow:
        raise HandoverError(
            "recipient", "送信先の許可リスト（HANDOVER_RECIPIENTS）が設定されていないため、送付できません。")
    if normalise_address(recipient) not in allow:
        raise HandoverError(
            "recipient", f"送信先「{recipient.strip()}」は小樽市が指定した送信先（許可リスト）にありません。")
    return recipient.strip()


def prepare(
    db: Session, record: SeasonRecord, week: dt.date, recipient: str, allowed: Iterable[str],
    user: Any,
) -> HandoverPackage:
    """Put the week's unshared slips into a package awaiting a second manager's approval."""
    if week.weekday() != 0:
        raise HandoverError("week", "週は月曜日の日付で指定してください。")
    recipient = check_recipient(recipient, allowed)
    open_package = db.scalar(select(HandoverPackage).where(
        HandoverPackage.season_id == record.id, HandoverPackage.week_start == week,
        HandoverPackage.status.in_(("ready", "approved"))))
    if open_package is not None:
        raise HandoverError(
            "week", f"この週には未送付のパッケージ（No.{open_package.id}）が既にあります。"
            "それを承認・送付してください。")
    bookings = unshared_bookings(db, record.id, week)
    facilities = unshared_facilities(db, record.id, week)
    if not bookings and not facilities:
        raise HandoverError("week", "この週の訪問で、まだ小樽市へ共有していない予約・申請者リストはありません。")
    package = HandoverPackage(
        season_id=record.id, week_start=week, status="ready", recipient=recipient,
        booking_ids=[b.id for b in bookings], receipt_nos=[b.receipt_no for b in bookings],
        facility_ids=[f.id for f in facilities], prepared_by=user.id,
    )
    db.add(package)
    db.flush()
    return package


def approve(db: Session, package: HandoverPackage, user: Any, recipient_confirmed: bool,
            allowed: Iterable[str]) -> None:
    """The second person's check (seed 004 §9(1)ウ(イ)): never the one who prepared it."""
    if package.status != "ready":
        raise HandoverError("package", "このパッケージは承認待ちではありません。")
    if package.prepared_by == user.id:
        raise HandoverError(
            "approver", "作成者本人は承認できません。別の管理者が内容と送信先を確認して承認してください。")
    if not recipient_confirmed:
        raise HandoverError(
            "confirm", "送信先が小樽市の指定したアドレスであることを確認し、チェックを入れてください。")
    check_recipient(package.recipient, allowed)
    package.status = "approved"
    package.approved_by = user.id
    package.approved_at = utcnow()
    db.flush()


WITHDRAW_REASON_MAX = 200


def stale_contents(bookings: Sequence[Booking], facilities: Sequence[FacilityRequest]
                   ) -> list[str]:
    """Why a package's contents can no longer be sent as prepared (empty: they can): a
    booking or list in it lost its personal data, or a booking was cancelled before the city
    ever had its slip (those personal data need not go out). The way out is to withdraw the
    package and prepare the week again."""
    problems = []
    if any(b.personal_data_deleted_on is not None for b in bookings) or any(
            f.personal_data_deleted_on is not None for f in facilities):
        problems.append("パッケージ内の予約の個人情報が既に削除されています。"
                        "このパッケージを取り下げて、作り直してください。")
    held = [f"F{f.id}" for f in facilities if facility_list_held(f)]
    if held:
        problems.append(
            f"申請者リストの人数が予約と合わなくなった施設があります（{', '.join(held)}）。"
            "施設の画面でリストを登録し直すか、今のリストのままでよいことを確認してから、"
            "このパッケージを取り下げて作り直してください。")
    needless = [b.receipt_no for b in bookings if b.status == "cancelled"
                and b.outcome_recorded_at is None and not b.city_has_slip]
    if needless:
        problems.append(
            f"パッケージの作成後に取り消された予約があります（受付番号 "
            f"{', '.join(map(str, needless))}）。小樽市が受け取っていない予約なので、"
            "その個人情報を送る必要はありません。このパッケージを取り下げて、作り直してください。")
    return problems


def package_contents(db: Session, package: HandoverPackage
                     ) -> tuple[list[Booking], list[FacilityRequest]]:
    bookings = list(db.scalars(select(Booking).where(Booking.id.in_(package.booking_ids))
                               .order_by(Booking.receipt_no)))
    facilities = list(db.scalars(select(FacilityRequest).where(
        FacilityRequest.id.in_(package.facility_ids or [])).order_by(FacilityRequest.id)))
    return bookings, facilities


def open_package_problems(db: Session, packages: Sequence[HandoverPackage]
                          ) -> dict[int, list[str]]:
    """`stale_contents` of every package not yet sent, by package id (for the dashboard)."""
    return {p.id: stale_contents(*package_contents(db, p))
            for p in packages if p.status in ("ready", "approved")}


def withdraw(db: Session, package: HandoverPackage, user: Any, reason: str) -> None:
    """Withdraw a package not yet sent (its contents went stale: a booking in it was
    cancelled or lost its personal data, or the wrong week was packed); the week's unsent
    slips can then be packed again. Nothing was sent, so nothing else changes."""
    if package.status not in ("ready", "approved"):
        raise HandoverError("reason", "送付済・取り下げ済のパッケージは取り下げられません。")
    reason = reason.strip()
    if not reason:
        raise HandoverError("reason", "取り下げの理由を入力してください。")
    if len(reason) > WITHDRAW_REASON_MAX:
        raise HandoverError("reason", f"取り下げの理由は{WITHDRAW_REASON_MAX}文字以内で入力してください。")
    package.status = "withdrawn"
    package.withdrawn_by = user.id
    package.withdrawn_at = utcnow()
    package.withdraw_reason = reason
    db.flush()


def new_password() -> str:
    """A fresh random password with upper- and lower-case letters and digits."""
    while True:
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        if (any(c.isdigit() for c in password) and any(c.isupper() for c in password)
                and any(c.islower() for c in password)):
            return password


JST = ZoneInfo("Asia/Tokyo")

# The city's staff open the archive on Windows, whose built-in 「すべて展開」 cannot decrypt
# AES: both the package mail and the download page say which tools can.
OPENING_HINT = ("Windows 標準の「すべて展開」では AES-256 で暗号化した ZIP を開けません。"
                "7-Zip など AES-256 に対応した解凍ソフトで開いてください。")


def encrypted_zip(files: Mapping[str, bytes], password: str,
                  now: dt.datetime | None = None) -> bytes:
    """An AES-256 (WinZip AE-2) encrypted zip of `files`.

    A zip entry's time has no time zone and every unzip tool shows it as local time, so it
    is written in Japan time: the city sees when the package was made, not the server's UTC.
    """
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(JST)
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, data in files.items():
            info = archive.zipinfo_cls(name, date_time=stamp.timetuple()[:6])
            info.compress_type = pyzipper.ZIP_DEFLATED
            info.external_attr = 0o600 << 16  # owner read/write only, as writestr(name) sets
            archive.writestr(info, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 30.0  # seconds per connection attempt and per server reply
    cafile: str = ""  # CA certificates for a mail server with an internal CA; "" = system's


def smtp_settings(config: Mapping[str, Any]) -> SmtpSettings | None:
    """Mail settings from the app config, or None when SMTP is not configured."""
    if not config.get("SMTP_HOST") or not config.get("SMTP_FROM"):
        return None
    return SmtpSettings(
        host=config["SMTP_HOST"], port=int(config.get("SMTP_PORT") or 25),
        sender=config["SMTP_FROM"], username=config.get("SMTP_USERNAME") or "",
        password=config.get("SMTP_PASSWORD") or "", starttls=bool(config.get("SMTP_STARTTLS")),
        cafile=config.get("SMTP_CAFILE") or "",
    )


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """STARTTLS that checks the server's certificate and name. Without the check, anyone on
    the path could pose as the mail server and read the package and its password, the
    very thing the encrypted hand-over (SPEC §10) is for. A city mail server with its own
    CA is trusted through SMTP_CAFILE, never by switching the check off."""
    return ssl.create_default_context(cafile=settings.cafile or None)


# Why a send failed, in the managers' words. smtplib's own text (English, with reply codes)
# goes to the server log only.
MAIL_FAILURES: dict[str, str] = {
    "connect": "メールサーバーに接続できないか、メールサーバーから応答がありませんでした"
               "（接続の拒否・時間切れ・途中での切断）。",
    "tls": "メールサーバーとの暗号化通信（STARTTLS）を始められませんでした。サーバー証明書を"
           "確認できなかった場合は、システム管理者に証明書の設定を確認してもらってください。",
    "auth": "メールサーバーが送信用アカウントのログイン（認証）を受け付けませんでした。",
    "recipient": "メールサーバーが送信先「{recipient}」を受け付けませんでした。",
    "other": "メールサーバーがメールの送信を受け付けませんでした。",
}
MAIL_ADVICE: dict[str, str] = {
    "recipient": "送信先のアドレスに誤りがないか、小樽市に確認してください。",
    "other": "しばらくしてから送り直すか、システム管理者に連絡してください。"
             "急ぐ場合は「ダウンロード」で送付できます。",
}
DEFAULT_MAIL_ADVICE = ("システム管理者に連絡し、メール送信（SMTP）の設定とネットワークを確認してもらって"
                       "ください。急ぐ場合は「ダウンロード」で送付できます。")


class MailError(Exception):
    """Sending by mail failed. `kind` is a key of MAIL_FAILURES; `stage` the step that failed
    (connect, tls, login, package, password); the smtplib or socket error is `__cause__`."""

    def __init__(self, kind: str, stage: str) -> None:
        super().__init__(f"{kind} failure at {stage}")
        self.kind = kind
        self.stage = stage


def mail_failure_kind(stage: str, exc: BaseException) -> str:
    """Sort a failure by what the manager can do about it (see MAIL_FAILURES)."""
    if stage == "tls" or isinstance(exc, ssl.SSLError):
        return "tls"
    if isinstance(exc, smtplib.SMTPAuthenticationError) or (
            stage == "login" and isinstance(exc, smtplib.SMTPNotSupportedError)):
        return "auth"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "recipient"
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return "connect"  # no greeting, or cut off (smtplib reports a timed-out reply so)
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return "connect"  # refused, unreachable, timed out (smtplib's errors are OSErrors too)
    return "other"


def mail_failure_message(error: MailError, recipient: str) -> str:
    """The Japanese message for the page: what failed, that nothing was marked sent, what to
    do; and, when only the password mail failed, that the archive already went out."""
    text = MAIL_FAILURES[error.kind].format(recipient=recipient)
    sent_first = ""
    if error.stage == "password":
        sent_first = ("パッケージ（暗号化ZIP）のメールは送信しましたが、開封パスワードのメールは送れていません。"
                      "送り直すと新しいパスワードでパッケージを作り直すため、先に届いたZIPは開けません。"
                      "小樽市にはそのZIPを破棄するよう伝えてください。")
    return (f"メール送信に失敗しました。{text}{sent_first}このパッケージは送付済にしていません。"
            f"{MAIL_ADVICE.get(error.kind, DEFAULT_MAIL_ADVICE)}")


def send_by_mail(settings: SmtpSettings, recipient: str, subject: str, filename: str,
                 archive: bytes, password: str) -> None:
    """Two separate messages (seed 004 §9(1)イ): the archive, then its password.

    Raises MailError, naming the step that failed, so the page can say what went wrong in
    Japanese and whether the archive already went out.
    """
    package = EmailMessage()
    package["From"], package["To"], package["Subject"] = settings.sender, recipient, subject
    package.set_content(
        f"{subject}\n\n受付票をパスワード付きの暗号化ZIP（AES-256）で送付します。\n"
        f"開封パスワードは別のメールでお知らせします。\n{OPENING_HINT}\n")
    package.add_attachment(archive, maintype="application", subtype="zip", filename=filename)
    secret = EmailMessage()
    secret["From"], secret["To"] = settings.sender, recipient
    secret["Subject"] = f"{subject}（開封パスワード）"
    secret.set_content(f"先にお送りした {filename} の開封パスワード:\n\n{password}\n")
    stage = "connect"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                stage = "tls"
                smtp.starttls(context=tls_context(settings))
            if settings.username:
                stage = "login"
                smtp.login(settings.username, settings.password)
            stage = "package"
            smtp.send_message(package)
            stage = "password"
            smtp.send_message(secret)
            stage = "quit"
    except (smtplib.SMTPException, OSError) as exc:
        if stage == "quit":
            return  # both messages were accepted; only the goodbye failed
        raise MailError(mail_failure_kind(stage, exc), stage) from exc


@dataclass(frozen=True)
class Release:
    """What a release hands back: the archive and its password exist only here."""

    package: HandoverPackage
    filename: str
    archive: bytes
    password: str
    bookings: Sequence[Booking]
    facilities: Sequence[FacilityRequest] = ()


def release(
    db: Session, record: SeasonRecord, package: HandoverPackage, user: Any, method: str,
    allowed: Iterable[str], smtp: SmtpSettings | None, today: dt.date,
) -> Release:
    """Build the encrypted package with a fresh password and send or hand it out; record
    the share date on every booking in it."""
    if method not in RELEASE_METHODS:
        raise HandoverError("method", "送付方法を選んでください。")
    if package.status != "approved":
        raise HandoverError(
            "method", "承認されていないパッケージは送付できません。別の管理者の承認が必要です。"
            if package.status == "ready" else "このパッケージは取り下げ済みです。"
            if package.status == "withdrawn" else "このパッケージは既に送付済です。")
    check_recipient(package.recipient, allowed)
    if method == "smtp" and smtp is None:
        raise HandoverError("method", "メール送信（SMTP）が設定されていません。ダウンロードを選んでください。")
    bookings, facilities = package_contents(db, package)
    problems = stale_contents(bookings, facilities)
    if problems:
        raise HandoverError("method", problems[0])
    stem = f"uketsukehyo_{package.week_start.isoformat()}_no{package.id}"
    title = f"{record.title} 訪問週 {jp_date(package.week_start, year=True)}〜"
    files: dict[str, bytes] = {}
    if bookings or not facilities:
        files[f"{stem}.xlsx"] = slips_xlsx(title, bookings)
        files[f"{stem}.pdf"] = slips_pdf(title, bookings)
    for facility in facilities:
        files[f"shinseisha_list_{package.week_start.isoformat()}_F{facility.id}.xlsx"] = (
            applicant_list_xlsx(facility.name, facility.applicants))
    password = new_password()
    archive = encrypted_zip(files, password)
    filename = f"{stem}.zip"
    if method == "smtp":
        assert smtp is not None
        subject = f"【小樽市 出張申請】受付票の共有（訪問週 {jp_date(package.week_start, year=True)}〜）"
        try:
            send_by_mail(smtp, package.recipient, subject, filename, archive, password)
        except MailError as exc:
            log.error("Hand-over package No.%s: mail to %s via %s:%s failed at %s (%s): %r",
                      package.id, package.recipient, smtp.host, smtp.port, exc.stage, exc.kind,
                      exc.__cause__, exc_info=exc.__cause__)
            raise HandoverError("method", mail_failure_message(exc, package.recipient)) from exc
    package.status = "sent"
    package.released_by = user.id
    package.released_at = utcnow()
    package.release_method = method
    package.file_sha256 = hashlib.sha256(archive).hexdigest()
    for booking in bookings:
        booking.shared_on = today
        booking.history.append(BookingEvent(
            user_id=user.id, action="shared",
            reason=f"小樽市へ共有（パッケージNo.{package.id}、{RELEASE_METHODS[method].split('（')[0]}）"))
    how = "メール送信" if method == "smtp" else "ダウンロード"
    for facility in facilities:
        for part in shareable_parts(facility):
            part.shared_on = today
        facility.events.append(FacilityEvent(
            user_id=user.id, action=LIST_SHARED_EVENT, at=utcnow(),
            note=f"パッケージNo.{package.id}（{len(facility.applicants)}名）"))
        log_handling(db, user, "export", APPLICANT_LIST_RECORD, facility.id,
                     f"{facility.name} 申請者リスト（{len(facility.applicants)}名）を共有パッケージ"
                     f"No.{package.id} で {package.recipient} へ{how}")
    receipts = ", ".join(str(b.receipt_no) for b in bookings)
    lists = "".join(f"、福祉施設 F{f.id} 申請者リスト" for f in facilities)
    # The log row is what the city reads (第15): it names the second person whose approval
    # the release rested on (seed 004 §9(1)ウ(イ)), not only the one who sent it.
    approver = db.get(User, package.approved_by) if package.approved_by else None
    approved = f"、承認 {approver.display_name}（{approver.username}）" if approver else ""
    log_handling(db, user, "export", PACKAGE_RECORD_TYPE, package.id,
                 f"受付票 受付番号 {receipts}（{len(bookings)}件）{lists}を {package.recipient} へ"
                 f"{how}（AES-256 ZIP{approved}）")
    db.flush()
    return Release(package, filename, archive, password, bookings, facilities)
