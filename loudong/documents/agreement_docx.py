"""Volunteer agreements as .docx, built in code with python-docx.

池阳: seed 000 附件1《社区楼栋长志愿服务协议书》, verbatim; only the blanks are filled from the
agreement, and a concurrent leader's gets one added line (000 §三.1 "300×楼栋网格数").
长春: seed 004 has no form; the “三长” agreement uses 附件1's frame (parties, term, title,
termination) with 004's own duties and the profile's allowances, never 池阳's money.
Built in code rather than from a binary template, so there is nothing to regenerate.
The document carries the full ID number and address: callers check Cap.REVEAL and
audit the download.
"""

import io
from decimal import Decimal

# Seed 000 附件1, paragraph by paragraph.
PREAMBLE = (
    "为进一步推进社区治理体系和治理能力现代化，甲方现组织小区居民开展“共建共治共享”自治活动。"
    "乙方志愿参加此项活动，愿为所居住小区居民提供无偿服务工作，愿担任所住小区居民楼楼栋长，"
    "经双方协商一致，订立本协议，以资共同遵守。"
)
DUTIES = [
    "1、宣传党的路线、方针、政策和国家法律、法规；",
    "2、准确掌握楼栋居民家庭成员基本情况；",
    "3、及时收集居民意见和建议及管理楼栋内的相关信息，及时向社区居委会报告；",
    "4、协助社区调解邻里纠纷，化解社会矛盾；",
    "5、主动参与社区文明创建和疫情防控、环保安全排查、志愿服务等社区组织的公益活动；",
    "6、根据需要，完成社区居委会交办的其他工作。",
]
GUIDANCE = "1、甲方对乙方的志愿服务工作进行指导,组织居民对楼栋长工作进行评议。"
TERMINATION = "双方均可以随时解除本协议，但应提前告知对方。"
FINAL = "本协议一式贰份，双方各执壹份，经双方签字（盖章）确认后生效。"
BLANK_DATE = "    年  月  日"


def yuan(amount: Decimal) -> str:
    """300.00 → '300'; 12.50 → '12.50'."""
    amount = Decimal(amount)
    return str(amount.quantize(Decimal(1))) if amount == amount.to_integral() else f"{amount:.2f}"


def cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else BLANK_DATE


# Seed 004 §二.4–8 and §四.14, for the “三长” agreement.
THREE_LEADERS_PREAMBLE = (
    "为建立社区网格长、楼栋长、单元长“三长”联动机制，提升基层防控和治理能力，乙方志愿担任本协议"
    "所列职务，为所在网格、楼栋、单元居民提供服务，经双方协商一致，订立本协议，以资共同遵守。"
)
THREE_LEADERS_DUTY_TEXT = {
    "收集民情信息": "收集民情信息：准确掌握辖区内人口结构、居民需求、矛盾纠纷、安全隐患、舆情动态等情况，及时收集社情民意；",
    "宣传政策法规": "宣传政策法规：积极向居民群众宣传党的路线方针政策，引导建立楼栋、小区文明公约；",
    "调处纠纷矛盾": "调处纠纷矛盾：主动、及时调解邻里纠纷，最大限度把矛盾纠纷消除在萌芽状态，解决在单元、楼栋；",
    "开展便民服务": "开展便民服务：配合社区搞好与居民利益有关的各项工作，带头参加社区组织开展的服务活动；",
    "实施有效监督": "实施有效监督：对业委会、物业服务企业履职情况进行跟踪监督，及时发现问题矛盾并上报；",
}
THREE_LEADERS_INSURANCE = "甲方为乙方投保意外伤害等保险，并在需要时为乙方配备防护物资。"
ALLOWANCE_LABELS = {"communication": "通讯补贴", "meal": "误餐补贴"}


def subsidy_text(agreement) -> str:
    return (
        f"2、甲方给予乙方每月总额 {yuan(agreement.subsidy_monthly)} 元工作补贴。"
        f"其中 {yuan(agreement.subsidy_paid_monthly)} 元按月发放，"
        f"另 {yuan(agreement.subsidy_year_end)} 元根据对乙方工作的评议情况年终一次性发放。"
    )


def concurrent_text(agreement) -> str | None:
    """The one line a concurrent leader's agreement adds (000 §三.1: 300×楼栋网格数)."""
    n = agreement.concurrent_grids
    if n <= 1:
        return None
    return f"兼任 {n} 个楼栋网格，合计每月 {yuan(agreement.subsidy_monthly)}×{n} = {yuan(agreement.subsidy_monthly * n)} 元。"


def allowance_text(agreement) -> str:
    """004 §四.14 "给予楼栋长、单元长一定通讯、误餐等工作补贴": the profile's amounts, or the rule."""
    paid = [
        f"{ALLOWANCE_LABELS.get(code, code)}每月 {yuan(Decimal(amount))} 元"
        for code, amount in sorted(agreement.allowances.items())
        if Decimal(amount) > 0
    ]
    if paid:
        return "1、甲方给予乙方" + "、".join(paid) + "。"
    return "1、甲方按街道有关规定给予乙方通讯、误餐等工作补贴。"


def _parties(a) -> list[tuple[str, str]]:
    return [
        ("field", f"甲方：{a.party_a_name}"),
        ("field", f"负责人：{a.party_a_leader or '        '}    联系电话：{a.party_a_phone}"),
        ("field", f"乙方：{a.party_b_name}"),
        ("field", f"身份证号码：{a.party_b_id_number.reveal()}"),
        (
            "field",
            f"家庭住址：{a.party_b_address.reveal()}    联系电话：{a.party_b_phone.reveal()}",
        ),
    ]


def agreement_paragraphs(agreement) -> list[tuple[str, str]]:
    """(style, text) pairs: 'title', 'field', 'heading', 'body'. The plain-text form of the
    document, also used by tests."""
    if agreement.form == "three_leaders":
        return three_leaders_paragraphs(agreement)
    a = agreement
    title_lines = [("body", f"{a.title}。")]
    if a.grid_note:
        title_lines.append(("body", a.grid_note))
    concurrent = concurrent_text(a)
    return [
        ("title", "社区楼栋长志愿服务协议书"),
        *_parties(a),
        ("body", PREAMBLE),
        ("heading", "一、乙方工作期限"),
        ("body", f"{cn_date(a.term_start)}至{cn_date(a.term_end)}。"),
        ("heading", "二、乙方工作称号"),
        *title_lines,
        ("heading", "三、乙方工作内容"),
        *[("body", line) for line in DUTIES],
        ("heading", "四、工作补贴"),
        ("body", GUIDANCE),
        ("body", subsidy_text(a)),
        *([("body", concurrent)] if concurrent else []),
        ("body", f"3、{a.insurance_clause}"),
        ("heading", "五、协议解除"),
        ("body", TERMINATION),
        ("heading", "六、附则"),
        ("body", FINAL),
    ]


def three_leaders_paragraphs(a) -> list[tuple[str, str]]:
    # 004 §四.14 "以奖代补，年底给予适当资金奖励": when the pinned profile has it.
    rewards = a.appointment.profile().subsidy.rewards_in_lieu
    reward = (
        [
            (
                "body",
                "2、对工作成绩突出、党组织和群众认可度较高的，年底可采取以奖代补形式给予适当奖励。",
            )
        ]
        if rewards
        else []
    )
    duties = [
        f"{i}、{THREE_LEADERS_DUTY_TEXT.get(label, label + '；')}"
        for i, label in enumerate(a.duties, start=1)
    ]
    return [
        ("title", "“三长”志愿服务协议书"),
        *_parties(a),
        ("body", THREE_LEADERS_PREAMBLE),
        ("heading", "一、乙方工作期限"),
        ("body", f"{cn_date(a.term_start)}至{cn_date(a.term_end)}。"),
        ("heading", "二、乙方工作职务"),
        ("body", f"{a.title}。"),
        *([("body", a.grid_note)] if a.grid_note else []),
        ("heading", "三、乙方工作内容"),
        *[("body", line) for line in duties],
        ("heading", "四、工作补贴与保障"),
        ("body", allowance_text(a)),
        *reward,
        ("body", f"{2 + len(reward)}、{THREE_LEADERS_INSURANCE}"),
        ("heading", "五、协议解除"),
        ("body", TERMINATION),
        ("heading", "六、附则"),
        ("body", FINAL),
    ]


def _set_east_asian_font(run_or_style, name: str) -> None:
    from docx.oxml.ns import qn

    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), name)


def render_agreement(agreement) -> bytes:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(28)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(14)  # 四号
    _set_east_asian_font(normal, "仿宋")
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)

    for style, text in agreement_paragraphs(agreement):
        paragraph = doc.add_paragraph()
        run = paragraph.add_run(text)
        if style == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_after = Pt(18)
            run.bold = True
            run.font.size = Pt(22)  # 二号
            _set_east_asian_font(run, "宋体")
        elif style == "heading":
            run.bold = True
            _set_east_asian_font(run, "黑体")
        elif style == "body":
            paragraph.paragraph_format.first_line_indent = Pt(28)

    doc.add_paragraph()
    # Signature block: two columns, 甲方 (盖章) and 乙方 (签字), each with its date.
    table = doc.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    a_date = cn_date(agreement.signed_by_a_on)
    b_date = cn_date(agreement.signed_by_b_on)
    cells = [["甲方：", "乙方："], [a_date, b_date]]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    props = doc.core_properties
    props.title = agreement.document_title
    props.author = agreement.party_a_name
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
