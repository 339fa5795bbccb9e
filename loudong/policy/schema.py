"""The profile schema (``schema.json``), its Chinese error messages, and readable rows.

``validate_profile(data)`` returns a list of Chinese messages, each starting with the field
path (``division.lower：必须小于 division.upper``); an empty list means the profile is valid.
The JSON Schema (draft 2020-12) checks each value; :func:`_cross_field_errors` checks the
rules that tie two values together, which a schema cannot say readably.

Labels live in the schema itself (``title``; ``x-labels`` for enum values), so the detail
page, the edit form and the error messages share one list of names.
"""

import functools
import json
from decimal import Decimal
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
# The order in which seed 000 §三.3 lists the steps: "按照个人自荐、居民推选、社区推荐、
# 社区党组织审查、街道党工委审批、楼栋公示的程序进行". A profile may leave steps out, not reorder them.
STEP_ORDER = [
    "self_nomination",
    "resident_nomination",
    "community_recommendation",
    "party_review",
    "subdistrict_approval",
    "public_notice",
]


@functools.cache
def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> Draft202012Validator:
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def path_str(parts) -> str:
    """``["evaluation", "grades", 2, "factor"]`` → ``evaluation.grades[2].factor``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "（整个方案）"


def _type_name(types) -> str:
    names = {
        "integer": "整数",
        "number": "数字",
        "string": "文字",
        "boolean": "是/否（true/false）",
        "object": "对象（{…}）",
        "array": "列表（[…]）",
        "null": "空（null）",
    }
    if isinstance(types, str):
        types = [types]
    return "或".join(names.get(t, t) for t in types)


def _message(error) -> str:
    """One Chinese sentence for one jsonschema error (without the path)."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind, value = error.validator, error.validator_value
    if kind == "required":
        missing = [k for k in value if isinstance(error.instance, dict) and k not in error.instance]
        return "缺少必填项 " + "、".join(missing)
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(schema.get("properties", {})))
        return "不认识的参数 " + "、".join(extra)
    if kind == "type":
        if "money" in (schema.get("x-kind"), _ref_kind(schema)):
            return '必须是带引号的金额文字（如 "300.00"），不能用数字'
        return f"必须是{_type_name(value)}"
    if kind == "pattern":
        kind_name = _ref_kind(schema) or schema.get("x-kind")
        if kind_name == "money":
            return '必须是以元为单位、最多两位小数的金额（如 "300.00"）'
        if kind_name == "factor":
            return '必须是 0 到 1 之间、最多两位小数的系数（如 "0.50"）'
        if kind_name == "date":
            return '必须是“年-月-日”格式的日期（如 "2021-09-08"）'
        if error.path and error.path[-1] == "object_code":
            return "必须是 6 位数字"
        return "格式不正确（只能用小写英文字母、数字和下划线，以字母开头）"
    if kind == "minimum":
        return f"不能小于 {value}"
    if kind == "maximum":
        return f"不能大于 {value}"
    if kind == "exclusiveMinimum":
        return f"必须大于 {value}"
    if kind == "enum":
        labels = schema.get("x-labels") or {}
        options = "、".join(f"{v}（{labels[v]}）" if v in labels else json.dumps(v) for v in value)
        return f"只能是以下之一：{options}"
    if kind == "const":
        return schema.get("x-message") or f"只能是 {json.dumps(value, ensure_ascii=False)}"
    if kind == "minLength":
        return "不能为空" if value == 1 else f"至少 {value} 个字"
    if kind == "maxLength":
        return f"最多 {value} 个字"
    if kind == "minItems":
        return f"至少要有 {value} 项"
    if kind == "maxItems":
        return f"最多 {value} 项"
    if kind == "uniqueItems":
        return "不能有重复项"
    return error.message


def _ref_kind(schema: dict) -> str | None:
    ref = schema.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return load_schema()["$defs"].get(ref.rsplit("/", 1)[1], {}).get("x-kind")
    return None


def _schema_errors(data) -> list[str]:
    errors = []
    for error in _validator().iter_errors(data):
        errors.append(
            (list(error.absolute_path), f"{path_str(error.absolute_path)}：{_message(error)}")
        )
    errors.sort(key=lambda e: [str(p) for p in e[0]])
    return [message for _, message in errors]


def _get(data, dotted: str):
    node = data
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _money(value):
    try:
        return Decimal(value) if isinstance(value, str) else None
    except ArithmeticError:
        return None


def _iso_date(value):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _cross_field_errors(data: dict) -> list[str]:
    errors = []
    lower, target, upper = (_int(_get(data, f"division.{k}")) for k in ("lower", "target", "upper"))
    if lower is not None and upper is not None and lower >= upper:
        errors.append("division.lower：必须小于 division.upper")
    if lower is not None and target is not None and target < lower:
        errors.append("division.target：不能小于 division.lower")
    if upper is not None and target is not None and target > upper:
        errors.append("division.target：不能大于 division.upper")
    # The engine's switches must say the same as the readable ones.
    for readable, engine in (
        ("split_building", "allow_building_split"),
        ("split_unit_by_floor", "allow_unit_floor_split"),
    ):
        said, switch = _get(data, f"division.{readable}"), _get(data, f"division.{engine}")
        if isinstance(switch, bool) and said in ("never", "when_over_upper"):
            if switch != (said != "never"):
                errors.append(f"division.{engine}：必须与 division.{readable} 一致")
    if _get(data, "division.weight_by_structure") is True and not _get(
        data, "division.structure_weights"
    ):
        errors.append("division.structure_weights：启用按居民结构加权时至少要设一个权重")

    takeover = _get(data, "concurrency.takeover_requires")
    if takeover and _int(_get(data, "concurrency.max_grids")) == 1:
        errors.append("concurrency.takeover_requires：每人最多 1 个网格时不存在兼任，应为空列表")

    if (
        _get(data, "eligibility.max_age_is_soft") is True
        and _get(data, "eligibility.max_age") is None
    ):
        errors.append(
            "eligibility.max_age_is_soft：未设年龄上限（eligibility.max_age）时不能设为“原则上”"
        )

    steps = _get(data, "selection.steps")
    channels = _get(data, "selection.channels")
    if isinstance(steps, list) and isinstance(channels, list) and not steps and not channels:
        errors.append("selection：选配步骤（steps）和选配渠道（channels）至少要设一项")
    if isinstance(steps, list) and all(s in STEP_ORDER for s in steps):
        if steps != sorted(steps, key=STEP_ORDER.index):
            errors.append(
                "selection.steps：顺序必须是 个人自荐 → 居民推选 → 社区推荐 → 社区党组织审查 → "
                "街道党工委审批 → 楼栋公示（可省略步骤，不可调换）"
            )
    days = _int(_get(data, "public_notice.working_days"))
    if isinstance(steps, list) and "public_notice" in steps and days == 0:
        errors.append("public_notice.working_days：选配步骤含“楼栋公示”时公示期至少 1 个工作日")
    if isinstance(steps, list) and "public_notice" not in steps and days:
        errors.append("public_notice.working_days：选配步骤不含“楼栋公示”时应为 0")

    total, paid, accrued = (
        _money(_get(data, f"subsidy.{k}"))
        for k in ("per_grid_monthly", "paid_monthly", "year_end_accrued")
    )
    if None not in (total, paid, accrued) and paid + accrued != total:
        errors.append(
            f"subsidy.per_grid_monthly：必须等于按月发放与年终发放之和"
            f"（{paid} + {accrued} = {paid + accrued}，现为 {total}）"
        )

    grades = _get(data, "evaluation.grades")
    if isinstance(grades, list):
        for field, name in (("code", "代码"), ("label", "名称")):
            seen = set()
            for i, grade in enumerate(grades):
                value = grade.get(field) if isinstance(grade, dict) else None
                if value in seen:
                    errors.append(f"evaluation.grades[{i}].{field}：等次{name}“{value}”重复")
                seen.add(value)
    awards = _get(data, "evaluation.awards")
    if isinstance(awards, list):
        seen = set()
        for i, award in enumerate(awards):
            value = award.get("code") if isinstance(award, dict) else None
            if value in seen:
                errors.append(f"evaluation.awards[{i}].code：表彰代码“{value}”重复")
            seen.add(value)

    if (
        _get(data, "rotation.unit_leader_monthly") is True
        and _get(data, "posts.unit_leader") is False
    ):
        errors.append("rotation.unit_leader_monthly：未设单元长（posts.unit_leader）时不能轮值")
    if (
        _get(data, "rotation.handover_required") is True
        and _get(data, "rotation.unit_leader_monthly") is False
    ):
        errors.append(
            "rotation.handover_required：不轮值（rotation.unit_leader_monthly）时无须交接"
        )
    if (
        _get(data, "rotation.pilot_default_on") is True
        and _get(data, "rotation.unit_leader_monthly") is False
    ):
        errors.append(
            "rotation.pilot_default_on：不轮值（rotation.unit_leader_monthly）时不能默认开启试点"
        )

    campaign = _get(data, "campaign")
    if isinstance(campaign, dict):
        start, deadline = (_iso_date(campaign.get(k)) for k in ("start", "deadline"))
        for key, value in (("start", start), ("deadline", deadline)):
            if isinstance(campaign.get(key), str) and value is None:
                errors.append(f"campaign.{key}：不是有效的日期")
        if start and deadline and deadline < start:
            errors.append("campaign.deadline：不能早于 campaign.start")
    items = _get(data, "duties.items")
    if isinstance(items, list):
        seen = set()
        for i, item in enumerate(items):
            value = item.get("code") if isinstance(item, dict) else None
            if value in seen:
                errors.append(f"duties.items[{i}].code：职责代码“{value}”重复")
            seen.add(value)

    errors += _evaluation_errors(data)

    defaults = _get(data, "defaults")
    if isinstance(defaults, list):
        known = set(leaf_paths())
        for i, path in enumerate(defaults):
            if isinstance(path, str) and path not in known:
                errors.append(f"defaults[{i}]：没有参数 {path}")
    return errors


# -- evaluation, subsidy and insurance (evaluation and payroll apps) ---------------------------


def _dicts(value) -> list:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _weights_total(items) -> int | None:
    weights = [_int(i.get("weight")) for i in items]
    return None if None in weights or not items else sum(weights)


def _unique(items, field, path, what) -> list[str]:
    errors, seen = [], set()
    for i, item in enumerate(items):
        value = item.get(field)
        if value in seen:
            errors.append(f"{path}[{i}].{field}：{what}“{value}”重复")
        seen.add(value)
    return errors


def _evaluation_errors(data: dict) -> list[str]:
    """The 评议细则's numbers must add up (000 §三.6: 工作态度、工作内容、居民的满意度 综合评议)."""
    errors = []
    parts = _dicts(_get(data, "evaluation.parts"))
    errors += _unique(parts, "code", "evaluation.parts", "评议内容")
    total = _weights_total(parts)
    if total is not None and total != 100:
        errors.append(f"evaluation.parts：各项权重之和必须为 100（现为 {total}）")
    work = next((_int(p.get("weight")) for p in parts if p.get("code") == "work"), 0)
    indicators = _dicts(_get(data, "evaluation.work_indicators"))
    errors += _unique(indicators, "code", "evaluation.work_indicators", "依据")
    total = _weights_total(indicators)
    if work and total is not None and total != 100:
        errors.append(f"evaluation.work_indicators：各项权重之和必须为 100（现为 {total}）")
    satisfaction = next(
        (_int(p.get("weight")) for p in parts if p.get("code") == "satisfaction"), 0
    )
    methods = _get(data, "evaluation.methods")
    if satisfaction and isinstance(methods, list) and not methods:
        errors.append("evaluation.methods：居民满意度占权重时至少要有一种评议方式")

    grades = _dicts(_get(data, "evaluation.grades"))
    scores = [_int(g.get("min_score")) for g in grades]
    if grades and None not in scores:
        for i in range(1, len(scores)):
            if scores[i] >= scores[i - 1]:
                errors.append(
                    f"evaluation.grades[{i}].min_score：必须低于上一等次的最低得分 {scores[i - 1]}"
                    "（等次按得分从高到低排列）"
                )
        if scores[-1] != 0:
            errors.append(
                f"evaluation.grades[{len(scores) - 1}].min_score：最后一个等次的最低得分必须为 0，"
                "使每个得分都有等次"
            )

    questions = _dicts(_get(data, "evaluation.questionnaire"))
    errors += _unique(questions, "code", "evaluation.questionnaire", "题目代码")
    for i, question in enumerate(questions):
        options = _dicts(question.get("options"))
        errors += _unique(options, "code", f"evaluation.questionnaire[{i}].options", "选项代码")
        if options and all(o.get("score") is None for o in options):
            errors.append(f"evaluation.questionnaire[{i}].options：至少要有一个计分的选项")

    if (
        _get(data, "evaluation.publish_grades") is True
        and _get(data, "evaluation.notice_working_days") == 0
    ):
        errors.append("evaluation.notice_working_days：评议等次予以公示时公示期至少 1 个工作日")

    amounts = _get(data, "subsidy.allowances")
    kinds = _get(data, "subsidy.allowance_post_kinds")
    if isinstance(amounts, dict) and isinstance(kinds, list) and not kinds:
        if any((_money(v) or 0) > 0 for v in amounts.values()):
            errors.append("subsidy.allowance_post_kinds：设了其他工作补贴金额时须指定发放的岗位")
    return errors


def validate_profile(data) -> list[str]:
    """Chinese messages naming the field path; [] when ``data`` is a valid profile."""
    if not isinstance(data, dict):
        return ["（整个方案）：必须是 JSON 对象（{…}）"]
    return (
        _schema_errors(data)
        + _cross_field_errors(data)
        + _fieldwork_errors(data)
        + _ratings_errors(data)
    )


# -- the 三长's questionnaires (community app) ------------------------------------------------------


def _ratings_errors(data: dict) -> list[str]:
    """Question codes unique in each questionnaire, option codes unique in each question, and at
    least one scored option (else a round has no score)."""
    errors = []
    for key in ("property_questions", "activity_questions"):
        questions = _get(data, f"ratings.{key}")
        if not isinstance(questions, list):
            continue
        codes = [q.get("code") for q in questions if isinstance(q, dict)]
        if len(codes) != len(set(codes)):
            errors.append(f"ratings.{key}：题目代码不能重复")
        for i, q in enumerate(questions):
            options = q.get("options") if isinstance(q, dict) else None
            if not isinstance(options, list):
                continue
            option_codes = [o.get("code") for o in options if isinstance(o, dict)]
            if len(option_codes) != len(set(option_codes)):
                errors.append(f"ratings.{key}[{i}].options：选项代码不能重复")
            if not any(isinstance(o, dict) and o.get("score") is not None for o in options):
                errors.append(f"ratings.{key}[{i}].options：至少要有一个计分的选项")
    return errors


# -- field work (fieldwork app) ------------------------------------------------------------------


def _fieldwork_errors(data: dict) -> list[str]:
    """The ladder and the limits agree; category codes are unique and known where used."""
    errors = []
    ladder = _get(data, "fieldwork.ladder")
    if not isinstance(ladder, list) or not all(isinstance(v, str) for v in ladder):
        return errors
    order = [
        "unit_leader",
        "building_leader",
        "grid_head",
        "party_branch",
        "community",
        "subdistrict",
    ]
    if all(v in order for v in ladder) and ladder != sorted(ladder, key=order.index):
        errors.append(
            "fieldwork.ladder：顺序必须是 单元长 → 楼栋长 → 网格长 → 小区党支部 → 社区 → 街道（可省略，不可调换）"
        )
    if "community" not in ladder:
        errors.append("fieldwork.ladder：必须包括“社区”（000 §三.5：不能解决的第一时间向社区报告）")
    urgent = _get(data, "fieldwork.urgent_levels")
    if isinstance(urgent, list):
        for i, level in enumerate(urgent):
            if level not in ladder:
                errors.append(
                    f"fieldwork.urgent_levels[{i}]：“{level}”不在上报层级（fieldwork.ladder）中"
                )
    limits = _get(data, "fieldwork.time_limits")
    if isinstance(limits, dict):
        missing = [level for level in ladder if level not in limits]
        extra = [level for level in limits if level not in ladder]
        if missing:
            errors.append("fieldwork.time_limits：缺少以下层级的时限 " + "、".join(missing))
        if extra:
            errors.append("fieldwork.time_limits：以下层级不在上报层级中 " + "、".join(extra))
    codes = []
    categories = _get(data, "fieldwork.categories")
    if isinstance(categories, list):
        for i, top in enumerate(categories):
            if not isinstance(top, dict):
                continue
            codes.append((f"fieldwork.categories[{i}].code", top.get("code")))
            for j, child in enumerate(top.get("children") or []):
                if isinstance(child, dict):
                    codes.append(
                        (f"fieldwork.categories[{i}].children[{j}].code", child.get("code"))
                    )
    seen = set()
    for path, code in codes:
        if code in seen:
            errors.append(f"{path}：类别代码“{code}”重复")
        seen.add(code)
    tops = {top.get("code") for top in categories or [] if isinstance(top, dict)}
    overrides = _get(data, "fieldwork.category_time_limits")
    if isinstance(overrides, dict):
        for code, by_level in overrides.items():
            if code not in seen:
                errors.append(f"fieldwork.category_time_limits.{code}：没有这个事件类别")
            for level in by_level if isinstance(by_level, dict) else ():
                if level not in ladder:
                    errors.append(f"fieldwork.category_time_limits.{code}.{level}：不在上报层级中")
    replies = _get(data, "fieldwork.canned_replies")
    if isinstance(replies, dict):
        for code in replies:
            if code not in tops:
                errors.append(f"fieldwork.canned_replies.{code}：没有这个事件大类")
    return errors


# --- reading a profile -------------------------------------------------------------------


def _resolve(node: dict) -> dict:
    ref = node.get("$ref", "")
    if ref.startswith("#/$defs/"):
        return {**load_schema()["$defs"][ref.rsplit("/", 1)[1]], **node}
    return node


@functools.cache
def leaf_paths() -> tuple[str, ...]:
    """Dotted paths of every parameter (``division.target``…), in schema order."""
    out = []
    for section, node in load_schema()["properties"].items():
        if section in ("title", "defaults", "sources"):
            continue
        for key in node.get("properties", {}):
            out.append(f"{section}.{key}")
    return tuple(out)


def field_schema(dotted: str) -> dict:
    node = load_schema()
    for key in dotted.split("."):
        node = node.get("properties", {}).get(key, {})
    return _resolve(node)


def enum_labels(dotted: str) -> dict[str, str]:
    """The Chinese names of an enum parameter's values (``x-labels``), e.g. the pools."""
    node = field_schema(dotted)
    return dict(node.get("x-labels") or (node.get("items") or {}).get("x-labels") or {})


def label(dotted: str) -> str:
    return field_schema(dotted).get("title", dotted)


def display(dotted: str, value) -> str:
    """A value as a reader sees it: 是/否, enum labels, lists joined, grades spelled out."""
    node = field_schema(dotted)
    labels = node.get("x-labels") or (node.get("items") or {}).get("x-labels") or {}
    if value is None:
        return node.get("x-null", "不限")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str):
        if node.get("x-kind") == "money":
            return f"{value} 元"
        return labels.get(value, value)
    if isinstance(value, list):
        if not value:
            return "无"
        if all(isinstance(v, dict) for v in value):
            return "；".join(_display_item(node, v) for v in value)
        return node.get("x-join", "、").join(labels.get(v, str(v)) for v in value)
    if isinstance(value, dict):
        if not value:
            return "无"
        inner = (node.get("additionalProperties") or {}).get("x-labels") or {}
        return "；".join(f"{labels.get(k, k)}{_inline(v, inner)}" for k, v in value.items())
    return str(value)


def _inline(value, labels: dict) -> str:
    """A nested value on one line: ``{"building_leader": 0}`` → ``楼栋长 0``; lists joined."""
    if isinstance(value, dict):
        return "（" + "、".join(f"{labels.get(k, k)} {v}" for k, v in value.items()) + "）"
    if isinstance(value, list):
        return "（" + "、".join(str(v) for v in value) + "）"
    return f" {value}"


def _display_item(node: dict, item: dict) -> str:
    if "factor" in item:
        text = f"{item.get('label')}：系数 {item.get('factor')}"
        if "min_score" in item:
            text = f"{item.get('label')}（{item.get('min_score')} 分及以上）：系数 {item.get('factor')}"
        return text + ("，予以调整" if item.get("adjust_leader") else "")
    if "weight" in item and "label" in item:
        return f"{item.get('label')} {item.get('weight')}%"
    if "text" in item and "options" in item:
        options = "/".join(
            f"{o.get('label')}{'' if o.get('score') is None else o.get('score')}"
            for o in item.get("options") or []
            if isinstance(o, dict)
        )
        return f"{item.get('text')}（{options}）"
    return str(item.get("label", item))


def rows(data: dict) -> list[dict]:
    """One row per parameter for the detail page: section, label, value, default?, source."""
    schema = load_schema()["properties"]
    defaults = set(data.get("defaults") or [])
    sources = data.get("sources") or {}
    out = []
    for dotted in leaf_paths():
        section, key = dotted.split(".", 1)
        section_data = data.get(section) or {}
        if key not in section_data:
            continue
        out.append(
            {
                "path": dotted,
                "section": schema[section].get("title", section),
                "label": label(dotted),
                "value": display(dotted, section_data[key]),
                "is_default": dotted in defaults,
                "source": sources.get(dotted, ""),
            }
        )
    return out


def flatten(data, prefix: str = "") -> dict:
    """Leaves by path; lists of objects by index, lists of scalars as one leaf."""
    out = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix] = data
    return out


def diff(old: dict, new: dict) -> tuple[dict, dict]:
    """(old values, new values) of the paths that differ; a missing side is None."""
    a, b = flatten(old), flatten(new)
    changed = sorted(k for k in a.keys() | b.keys() if (k in a) != (k in b) or a[k] != b[k])
    return {k: a.get(k) for k in changed}, {k: b.get(k) for k in changed}


def read_builtin(name: str) -> dict:
    """The shipped profile file ``profiles/<name>.json``."""
    return json.loads((PROFILES_DIR / f"{name}.json").read_text(encoding="utf-8"))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in PROFILES_DIR.glob("*.json"))
