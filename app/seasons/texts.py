"""Japanese labels for the season's settings and the solver's validation messages."""

from __future__ import annotations

import re

KIND_LABELS: dict[str, str] = {"home": "個人宅訪問日", "facility": "福祉施設訪問日"}
WEEKDAY_LABELS: tuple[str, ...] = ("月", "火", "水", "木", "金", "土", "日")
# The calendar generator's solver status (CP-SAT's name) as managers read it.
CALENDAR_STATUS_LABELS: dict[str, str] = {
    "OPTIMAL": "生成済み（最もよい配置）",
    "FEASIBLE": "生成済み（規則は満たす。最もよい配置かは時間内に未確認）",
}


def calendar_status_label(status: str | None) -> str:
    if not status:
        return "未生成"
    return CALENDAR_STATUS_LABELS.get(status, f"生成済み（{status}）")

# Dotted config key -> (label, help text). Sections follow the scenario file (SCENARIO.md).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "season.booking_opens": ("予約受付開始日", "コールセンターの受付開始日（§1）"),
    "season.booking_closes": ("予約受付終了日", "コールセンターの受付終了日（§1）"),
    "season.visits_from": ("訪問開始日", "最初の訪問日の候補（§1）"),
    "season.visits_to": ("訪問終了日", "最後の訪問日の候補（§1）"),
    "season.home_days": ("個人宅訪問日数", "§2: 36日程度"),
    "season.facility_days": ("福祉施設訪問日数", "§2: 6日程度"),
    "rules.home_am_slots": ("午前の訪問件数", "§3: 午前2件"),
    "rules.home_pm_slots": ("午後の訪問件数（基本）", "§3: 午後2件"),
    "rules.home_pm_slots_max": ("午後の訪問件数（最大）", "§3: 市と協議により最大3件"),
    "rules.large_household": ("半日を占有する申請者数", "§3: 6名以上の世帯は午前・午後各1件"),
    "rules.travel_cap_min": ("1件目→2件目の移動上限（分）", "§4: おおむね30分以内"),
    "rules.third_visit_travel_cap_min": ("午後3件目の移動上限（分）", "§4: おおむね15分以内"),
    "rules.home_lead_days": ("個人宅の予約期限（日前）", "§5: おおむね2週間前"),
    "rules.facility_lead_days": ("福祉施設の予約期限（日前）", "§5: おおむね1か月前"),
    "rules.facility_min_applicants": ("福祉施設訪問の最少申請者数", "§3: 6名以上（5名以下は個人宅枠）"),
    "rules.facility_max_per_half_day": ("福祉施設の半日あたり上限人数", "§3: おおむね20名"),
    "rules.eligible_age": ("対象年齢（以上）", "§1: 75歳以上（障がい・病気の方は年齢を問わない）"),
    "rules.teams": ("訪問チーム数", "同じ時間帯に出る訪問チームの数"),
    "rules.min_days_per_week": ("1週間の最少訪問日数", "§2: 週1〜2日"),
    "rules.max_days_per_week": ("1週間の最大訪問日数", "§2: 週1〜2日"),
    "travel.model": ("移動時間の計算方法", "estimate = 推定式（オフライン）、ors = openrouteservice、"
                     "osrm = OSRM。経路サーバーが応答しないときは推定式に切り替えます"),
    "travel.url": ("経路サーバーのURL", "ors / osrm の場合（例: http://127.0.0.1:5000）"),
    "travel.timeout_s": ("経路サーバーの待ち時間（秒）", "これを超えたら推定式に切り替え"),
    "travel.geocoder_url": ("ジオコーダー（Nominatim）のURL", "空欄 = 住所はオフラインの町名辞書だけで探す"),
    "travel.speed_kmh": ("平均速度（km/h）", "移動時間の推定（§4）"),
    "travel.circuity": ("迂回係数", "直線距離に対する道のりの比"),
    "travel.winter_from": ("冬期の開始（MM-DD）", "この日から年末まで移動が遅くなる"),
    "travel.winter_factor": ("冬期の速度係数", "冬期は速度にこの係数を掛ける（0.8 = 2割遅い）"),
    "depot.name": ("出発地の名称", "訪問チームの出発・帰着地（市役所）"),
    "depot.lat": ("出発地の緯度", ""),
    "depot.lng": ("出発地の経度", ""),
}

_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^must be at least (.+)$"), r"\1以上にしてください。"),
    (re.compile(r"^must be greater than (.+)$"), r"\1より大きくしてください。"),
    (re.compile(r"^must be an integer$"), "整数で入力してください。"),
    (re.compile(r"^must be a number$"), "数値で入力してください。"),
    (re.compile(r"^must be MM-DD$"), "MM-DD（例 12-01）の形で入力してください。"),
    (re.compile(r"^must not exceed (\w+)$"), "「{\\1}」を超えないようにしてください。"),
    (re.compile(r"^must not be before (\w+)$"), "「{\\1}」より前にはできません。"),
    (re.compile(r"^must not be after (\w+)$"), "「{\\1}」より後にはできません。"),
    (re.compile(r"^must be between (-?[\d.]+) and (-?[\d.]+)$"), r"\1〜\2の範囲にしてください。"),
    (re.compile(r"^.* is not a date .*$"), "日付を YYYY-MM-DD の形で入力してください。"),
    (re.compile(r"^must be a date string YYYY-MM-DD$"), "日付を YYYY-MM-DD の形で入力してください。"),
    (re.compile(r"^must be a non-empty string$"), "入力してください。"),
    (re.compile(r"^is required$"), "入力してください。"),
    (re.compile(r"^must be a string$"), "文字で入力してください。"),
    (re.compile(r"^must start with http:// or https://$"),
     "http:// または https:// で始まるURLを入力してください。"),
    (re.compile(r"^model 'osrm' needs the URL of an OSRM server$"),
     "osrm を使うには、OSRMサーバーのURLを入力してください。"),
    (re.compile(r"^model 'ors' needs a server URL, travel.api_key or the ORS_API_KEY"),
     "ors（openrouteservice）を使うには、経路サーバーのURLを入力するか、"
     "APIキーをサーバーの環境変数 ORS_API_KEY に設定してください。"),
    (re.compile(r"^unknown model .* \(use one of (.+)\)$"), r"\1 のいずれかを選んでください。"),
    (re.compile(r"^must be one of (.+)$"), r"\1 のいずれかにしてください。"),
    (re.compile(r"^must be a list of MM-DD strings$"), "MM-DD（例 12-31）の一覧にしてください。"),
    (re.compile(r"^must be a country code such as JP$"), "国コード（例 JP）で入力してください。"),
    (re.compile(r"^must be a list$"), "一覧の形式にしてください。"),
    (re.compile(r"^must be an object$"), "設定の形式が正しくありません。"),
    (re.compile(r"^unknown key$"), "この設定項目はありません。"),
    (re.compile(r"^(\S+) is listed twice$"), r"\1 が2回登録されています。"),
)


def field_label(key: str) -> str:
    if key in FIELD_LABELS:
        return FIELD_LABELS[key][0]
    return key


def translate_problem(problem: str) -> str:
    """The solver parser's English problem text, in Japanese for the manager's form.

    The parser's English stays as it is: it is the command line's contract (SCENARIO.md).
    A problem without a pattern here is shown without its English text."""
    for pattern, template in _PROBLEMS:
        match = pattern.match(problem)
        if match:
            text = match.expand(template)
            # "{name}" placeholders name another field of the same form.
            return re.sub(
                r"\{(\w+)\}",
                lambda m: next(
                    (label for key, (label, _h) in FIELD_LABELS.items() if key.endswith("." + m[1])),
                    m[1],
                ),
                text,
            )
    return "値が正しくありません。"
