"""Every label the reports print, in Vietnamese and English.

A label is looked up by key; a missing key or language is an error (a test walks the table), never a silent
English word in a Vietnamese report.
"""

from __future__ import annotations

from infra.audit.report.common import Lang

STATUS: dict[str, dict[Lang, str]] = {
    "pass": {"vi": "Đạt", "en": "Pass"},
    "fail": {"vi": "Không đạt", "en": "Fail"},
    "warn": {"vi": "Cảnh báo", "en": "Warning"},
    "not-applicable": {"vi": "Không áp dụng", "en": "Not applicable"},
    "waived": {"vi": "Được miễn trừ", "en": "Waived"},
    "manual": {"vi": "Cần đánh giá thủ công", "en": "Manual review"},
    "error": {"vi": "Lỗi", "en": "Error"},
}

# How firmly a reference or threshold was established (the catalogue's status), said plainly.
VERIFICATION: dict[str, dict[Lang, str]] = {
    "read": {"vi": "đã đọc", "en": "read"},
    "third-party": {"vi": "bên thứ ba", "en": "third-party"},
    "title-only": {"vi": "chỉ tên", "en": "title only"},
    "inferred": {"vi": "suy luận", "en": "inferred"},
}
VERIFICATION_MEANING: dict[str, dict[Lang, str]] = {
    "read": {
        "vi": "đã đọc văn bản gốc của điều khoản được trích dẫn",
        "en": "the text of the cited clause was read",
    },
    "third-party": {
        "vi": "theo tài liệu của bên thứ ba; chưa đọc văn bản gốc",
        "en": "taken from a third party's account; the original text was not read",
    },
    "title-only": {
        "vi": "chỉ biết tên văn bản; chưa đọc nội dung, điều khoản có thể chưa chính xác",
        "en": "only the instrument's title is known; its content was not read and the clause may be wrong",
    },
    "inferred": {
        "vi": "suy luận từ mục đích của biện pháp; không có văn bản nêu trực tiếp",
        "en": "inferred from the control's purpose; no text states it directly",
    },
}

KIND: dict[str, dict[Lang, str]] = {
    "host": {"vi": "máy chủ", "en": "host"},
    "device": {"vi": "thiết bị mạng", "en": "network device"},
    "inventory": {"vi": "toàn tỉnh (hồ sơ)", "en": "province (records)"},
    "site": {"vi": "điểm mạng", "en": "site"},
    "system": {"vi": "hệ thống thông tin", "en": "information system"},
}

FAMILY: dict[str, dict[Lang, str]] = {
    "inventory": {"vi": "Hồ sơ và quy hoạch", "en": "Inventory and planning"},
    "linux-host": {"vi": "Máy chủ Linux", "en": "Linux hosts"},
    "network-device": {"vi": "Thiết bị mạng", "en": "Network devices"},
    "wan": {"vi": "Mạng truyền số liệu chuyên dùng", "en": "Specialised data network (WAN)"},
    "datacenter": {"vi": "Trung tâm dữ liệu", "en": "Data centre"},
}

SOURCE: dict[str, dict[Lang, str]] = {
    "intended": {"vi": "cấu hình dự kiến (sinh từ hồ sơ)", "en": "intended configuration (rendered)"},
    "running": {"vi": "cấu hình đang chạy trên thiết bị", "en": "running configuration"},
}

BASELINE: dict[str, dict[Lang, str]] = {
    "tcvn11930_2017": {
        "vi": "TCVN 11930:2017 (Nghị định 85/2016/NĐ-CP, Thông tư 12/2022/TT-BTTTT)",
        "en": "TCVN 11930:2017 (Decree 85/2016, Circular 12/2022)",
    },
    "tcvn14423_2026": {
        "vi": "TCVN 14423:2026 (Nghị định 331/2026/NĐ-CP)",
        "en": "TCVN 14423:2026 (Decree 331/2026)",
    },
}

# Titles of the instruments a control cites, in Vietnamese (the English ones are the catalogue's own).
INSTRUMENT_VI: dict[str, str] = {
    "nd85_2016": "Nghị định 85/2016/NĐ-CP về bảo đảm an toàn hệ thống thông tin theo cấp độ",
    "tt12_2022": "Thông tư 12/2022/TT-BTTTT hướng dẫn Nghị định 85/2016/NĐ-CP",
    "tcvn11930_2017": "TCVN 11930:2017 (số điều khoản theo trích dẫn tại Thông tư 12/2022)",
    "nd331_2026": "Nghị định 331/2026/NĐ-CP về an ninh mạng đối với hệ thống thông tin",
    "tcvn14423_2026": "TCVN 14423:2026 (an ninh mạng, yêu cầu cơ bản)",
    "tt06_2026": "Thông tư 06/2026/TT-BKHCN về mạng truyền số liệu chuyên dùng",
    "tt39_2017": "Thông tư 39/2017/TT-BTTTT (danh mục tiêu chuẩn kỹ thuật bắt buộc áp dụng)",
    "qd38_2021": "Quyết định 38/QĐ-BTTTT (chương trình IPv6 for Gov giai đoạn 2021-2025)",
    "cv1149_2022": "Công văn 1149/BTTTT-VNNIC (hỗ trợ IPv6 cho dịch vụ công)",
    "ct14_2019": "Chỉ thị 14/CT-TTg về tăng cường bảo đảm an toàn, an ninh mạng",
    "ipv6only_2026": "Chương trình chuyển đổi IPv6-only tại Việt Nam giai đoạn 2026-2030",
    "vnnic_ipv6_plan": "Hướng dẫn quy hoạch địa chỉ IPv6 của VNNIC",
    "ripe690": "RIPE-690 (phân bổ tiền tố IPv6 cho người dùng cuối)",
    "rfc": "Tiêu chuẩn IETF RFC",
    "tt03_2013": "Thông tư 03/2013/TT-BTTTT, sửa đổi bởi Thông tư 23/2022 (trung tâm dữ liệu)",
    "tcvn9250_2021": "TCVN 9250:2021 (hạ tầng trung tâm dữ liệu)",
    "tia942b": "ANSI/TIA-942-B:2017 (hạ tầng trung tâm dữ liệu)",
    "qcvn32_2020": "QCVN 32:2020/BTTTT (chống sét cho công trình viễn thông)",
    "qcvn9_2016": "QCVN 9:2016/BTTTT (tiếp đất cho công trình viễn thông)",
    "qcvn06_2021": "QCVN 06:2021/BXD (an toàn cháy cho nhà và công trình)",
    "cis_debian12": "CIS Debian Linux 12 Benchmark",
    "cis_cisco_ios": "CIS Cisco IOS Benchmark",
    "devsec": "Bộ cấu hình chuẩn dev-sec (linux-baseline, ssh-baseline, hardening)",
    "stig": "DISA STIG (Cisco IOS-XE NDM, RTR, L2S; ACI L2S)",
    "iso27001_2022": "ISO/IEC 27001:2022 Phụ lục A",
}

# How a threshold compares (the catalogue's op).
OP: dict[str, dict[Lang, str]] = {
    "max": {"vi": "tối đa", "en": "at most"},
    "min": {"vi": "tối thiểu", "en": "at least"},
    "equals": {"vi": "", "en": ""},  # the value alone
    "one-of": {"vi": "một trong", "en": "one of"},
    "all-of": {"vi": "có đủ", "en": "all of"},
    "none-of": {"vi": "không có", "en": "none of"},
}

LABELS: dict[str, dict[Lang, str]] = {
    "title": {"vi": "Báo cáo kiểm tra an toàn thông tin mạng", "en": "Network security audit report"},
    "province": {"vi": "Tỉnh", "en": "Province"},
    "contents": {"vi": "Mục lục", "en": "Contents"},
    "run": {"vi": "Thông tin lần kiểm tra", "en": "Audit run"},
    "run_id": {"vi": "Mã lần kiểm tra", "en": "Run id"},
    "operator": {"vi": "Người thực hiện", "en": "Operator"},
    "started": {"vi": "Bắt đầu (UTC)", "en": "Started (UTC)"},
    "finished": {"vi": "Kết thúc (UTC)", "en": "Finished (UTC)"},
    "tool": {"vi": "Công cụ", "en": "Tool"},
    "command": {"vi": "Lệnh", "en": "Command"},
    "inventory": {"vi": "Hồ sơ hạ tầng (inventory)", "en": "Inventory"},
    "catalogue": {"vi": "Danh mục biện pháp kiểm soát", "en": "Control catalogue"},
    "waivers": {"vi": "Tệp miễn trừ", "en": "Waiver file"},
    "none": {"vi": "không có", "en": "none"},
    "baseline": {"vi": "Tiêu chuẩn đối chiếu", "en": "Baseline"},
    "level": {"vi": "Cấp độ", "en": "Level"},
    "level_asked": {"vi": "Cấp độ đánh giá", "en": "Level judged at"},
    "level_own": {
        "vi": "cấp độ của từng đối tượng (cao nhất trong các hệ thống nó phục vụ)",
        "en": "each target's own (the highest of the systems it serves)",
    },
    "lab": {"vi": "Đối tượng kiểm tra", "en": "Targets"},
    "lab_yes": {"vi": "môi trường mô phỏng (lab)", "en": "the lab twin"},
    "lab_no": {"vi": "hệ thống thật", "en": "the real systems"},
    "result": {"vi": "Kết luận", "en": "Result"},
    "result_fail": {"vi": "Có biện pháp không đạt", "en": "Some controls fail"},
    "result_error": {"vi": "Có đối tượng chưa kiểm tra được", "en": "Some targets could not be examined"},
    "result_pass": {"vi": "Không có biện pháp nào không đạt", "en": "No control fails"},
    "summary": {"vi": "Tổng hợp kết quả", "en": "Summary"},
    "by_level": {"vi": "Theo cấp độ", "en": "By security level"},
    "by_agency": {"vi": "Theo cơ quan, đơn vị", "en": "By agency"},
    "by_system": {"vi": "Theo hệ thống thông tin", "en": "By information system"},
    "system": {"vi": "Hệ thống thông tin", "en": "Information system"},
    "agency": {"vi": "Cơ quan, đơn vị", "en": "Agency"},
    "total": {"vi": "Tổng", "en": "Total"},
    "findings": {"vi": "kết quả", "en": "findings"},
    "no_findings": {"vi": "Không có kết quả nào.", "en": "No findings."},
    "ipv6": {"vi": "Mức sẵn sàng IPv6", "en": "IPv6 readiness"},
    "ipv6_intro": {
        "vi": (
            "Điểm = trung bình của ba tỷ lệ dưới đây (bỏ qua tỷ lệ có mẫu số 0) × 100, làm tròn. "
            "Dịch vụ chưa được kiểm tra được tính vào mẫu số và không bao giờ được coi là sẵn sàng. "
            "Công thức chi tiết: docs/audit-reports.md."
        ),
        "en": (
            "Score = the mean of the three shares below (leaving out any with a zero denominator) × 100, rounded. "
            "Services no finding decides count in the denominator and never as ready. "
            "The formula in full: docs/audit-reports.md."
        ),
    },
    "score": {"vi": "Điểm", "en": "Score"},
    "dual_stack": {"vi": "Song song IPv4/IPv6", "en": "Dual-stack"},
    "ipv6_services": {"vi": "Dịch vụ qua IPv6", "en": "Services over IPv6"},
    "ipv6_only": {"vi": "Sẵn sàng thuần IPv6", "en": "IPv6-only ready"},
    "unknown": {"vi": "chưa kiểm tra", "en": "not audited"},
    "plan_only": {"vi": "chỉ theo quy hoạch", "en": "plan only"},
    "plan_only_note": {
        "vi": (
            "«chỉ theo quy hoạch»: không có kết quả kiểm tra nào xác nhận thiết bị, máy chủ hay dịch vụ nào "
            "của đơn vị; điểm chỉ phản ánh quy hoạch địa chỉ."
        ),
        "en": (
            "“plan only”: no finding decided any device, host or service of the agency; "
            "the score reflects the address plan alone."
        ),
    },
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
    "unreachable": {"vi": "không truy cập được", "en": "unreachable"},
    "devices_state": {
        "vi": "Thiết bị: đã chứng minh / chỉ theo quy hoạch / lỗi",
        "en": "Devices: proven / planned only / failed",
    },
    "hosts_state": {
        "vi": "Máy chủ: đã chứng minh / chỉ theo quy hoạch / lỗi",
        "en": "Hosts: proven / planned only / failed",
    },
    "no_agencies": {"vi": "Lần kiểm tra không có danh sách cơ quan.", "en": "The run lists no agencies."},
    "errors": {"vi": "Đối tượng không kiểm tra được", "en": "Targets that could not be examined"},
    "no_errors": {"vi": "Mọi đối tượng đều đã được kiểm tra.", "en": "Every target was examined."},
    "reason": {"vi": "Lý do", "en": "Reason"},
    "kind": {"vi": "Loại", "en": "Kind"},
    "controls": {"vi": "Kết quả theo biện pháp kiểm soát", "en": "Results by control"},
    "references": {"vi": "Căn cứ", "en": "References"},
    "verification": {"vi": "Mức xác minh", "en": "Verification"},
    "verification_legend": {"vi": "Ý nghĩa mức xác minh", "en": "What the verification levels mean"},
    "applies_from": {"vi": "Áp dụng từ cấp độ", "en": "Applies from level"},
    "family": {"vi": "Nhóm", "en": "Family"},
    "thresholds": {"vi": "Ngưỡng", "en": "Thresholds"},
    "no_control_findings": {
        "vi": "Lần kiểm tra này không có kết quả cho biện pháp này.",
        "en": "This run has no findings for this control.",
    },
    "target": {"vi": "Đối tượng", "en": "Target"},
    "status": {"vi": "Kết quả", "en": "Status"},
    "checked_status": {"vi": "Kết quả kiểm tra (trước miễn trừ)", "en": "Check's own result (before the waiver)"},
    "site": {"vi": "Điểm mạng", "en": "Site"},
    "systems": {"vi": "Hệ thống", "en": "Systems"},
    "agencies": {"vi": "Cơ quan", "en": "Agencies"},
    "config_source": {"vi": "Nguồn cấu hình", "en": "Configuration"},
    "item": {"vi": "Nội dung kiểm tra", "en": "Requirement"},
    "observed": {"vi": "Thực tế", "en": "Observed"},
    "expected": {"vi": "Yêu cầu", "en": "Expected"},
    "threshold": {"vi": "Ngưỡng", "en": "Threshold"},
    "waiver": {"vi": "Miễn trừ", "en": "Waiver"},
    "justification": {"vi": "Lý do miễn trừ", "en": "Justification"},
    "approved_by": {"vi": "Người phê duyệt", "en": "Approved by"},
    "expires": {"vi": "Hiệu lực đến", "en": "Expires"},
    "expired": {"vi": "ĐÃ HẾT HẠN — không còn miễn trừ", "en": "EXPIRED — waives nothing"},
    "in_force": {"vi": "còn hiệu lực", "en": "in force"},
    "not_given": {"vi": "không ghi", "en": "not given"},
    "evidence": {"vi": "Bằng chứng", "en": "Evidence"},
    "evidence_intro": {
        "vi": "Mỗi bằng chứng được lưu nguyên văn (đã che thông tin bí mật), kèm mã băm SHA-256 và thời điểm thu thập.",
        "en": "Each piece of evidence is kept whole (secrets masked), with its SHA-256 hash and the time it was taken.",
    },
    "taken": {"vi": "Thời điểm thu thập", "en": "Taken"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "exit_status": {"vi": "Mã thoát", "en": "Exit status"},
    "show_text": {"vi": "Xem nội dung", "en": "Show the text"},
    "lines": {"vi": "dòng", "en": "lines"},
    "no_evidence": {"vi": "Không có bằng chứng.", "en": "No evidence."},
    "generated": {"vi": "Báo cáo do {tool} tạo.", "en": "Report made by {tool}."},
}


def label(key: str, lang: Lang) -> str:
    """The label ``key`` in ``lang`` (KeyError when the table lacks it)."""
    return LABELS[key][lang]


def status_label(status: str, lang: Lang) -> str:
    """A finding status in ``lang``."""
    return STATUS[status][lang]


def verification_label(status: str, lang: Lang) -> str:
    """A catalogue verification status in ``lang``."""
    return VERIFICATION[status][lang]


def instrument_title(instrument: str, english: str, lang: Lang) -> str:
    """An instrument's title in ``lang`` (``english`` is the catalogue's)."""
    return INSTRUMENT_VI[instrument] if lang == "vi" else english
