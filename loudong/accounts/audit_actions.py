"""Every audit action, in one enum, with the Chinese name the log shows.

zulip's ``AuditLogEventType`` is the model: one list of event names, so that the audit admin
can filter by a readable name and a typo is an error, not a new kind of event. Values are
dotted ``<area>.<verb>`` strings, stored as they are in ``AuditEvent.action``; a stored value
that is no longer a member still shows (as its raw value).

Each app's actions are grouped under a comment; add new members to your app's group.
"""

from django.db import models


class AuditAction(models.TextChoices):
    # -- sign-in and access -------------------------------------------------------------------
    LOGIN = "auth.login", "登录"
    LOGOUT = "auth.logout", "退出登录"
    LOGIN_FAILED = "auth.login_failed", "登录失败"
    LOCKED_OUT = "auth.locked_out", "登录被锁定"
    PASSWORD_CHANGE = "auth.password_change", "修改密码"
    TWO_FACTOR_VERIFIED = "auth.2fa_verified", "双因素验证通过"
    TWO_FACTOR_FAILED = "auth.2fa_failed", "双因素验证失败"
    OUT_OF_SCOPE = "access.out_of_scope", "越权访问（已拦截）"
    DENIED = "access.denied", "无权操作（已拦截）"
    CSRF_FAILURE = "security.csrf_failure", "请求校验失败（CSRF）"

    # -- users, roles and security (系统 / 安全管理员) ----------------------------------------
    USER_CREATE = "user.create", "创建用户"
    USER_ACTIVATE = "user.activate", "启用账号"
    USER_DEACTIVATE = "user.deactivate", "停用账号"
    USER_RESET_PASSWORD = "user.reset_password", "重置密码"
    ROLE_ASSIGN = "role.assign", "分配角色"
    ROLE_END = "role.end", "撤销角色"
    ROLE_REFUSED = "role.refused", "角色或账号操作被拒绝（三员分立）"
    PASSWORD_RESET_LINK = "user.password_reset_link", "生成密码重置链接"
    PASSWORD_RESET_DONE = "user.password_reset_done", "通过重置链接设置新密码"
    API_TOKEN_CREATE = "api_token.create", "创建 API 令牌"
    API_TOKEN_REVOKE = "api_token.revoke", "吊销 API 令牌"
    SECURITY_UNLOCK = "security.unlock", "解除登录锁定"
    SECURITY_RESET_2FA = "security.reset_2fa", "重置双因素认证"
    SECURITY_2FA_ENROLLED = "security.2fa_enrolled", "绑定双因素认证"
    SECURITY_ROTATE_DATA_KEY = "security.rotate_data_key", "更换数据加密密钥"

    # -- personal data and the audit log itself -------------------------------------------------
    REVEAL = "personal_data.reveal", "查看完整个人信息"
    PERSONAL_SEARCH = "personal_data.search", "按身份证号或电话查找（命中）"
    PERSONAL_SEARCH_THROTTLED = "personal_data.search_throttled", "按号码查找过于频繁（已限制）"
    AUDIT_EXPORT = "audit.export", "导出审计日志"
    AUDIT_ANCHOR_REPLACED = "audit.anchor_replaced", "重新建立审计锚点"
    AUDIT_DAILY_REPORT = "audit.daily_report", "审计日报（链头）"

    # -- policy ----------------------------------------------------------------------------------
    POLICY_VERSION = "policy.version", "新建政策方案版本"
    POLICY_HOLIDAY_ADD = "policy.holiday_add", "录入节假日调整"
    POLICY_HOLIDAY_REMOVE = "policy.holiday_remove", "删除节假日调整"
    POLICY_HOLIDAY_YEAR = "policy.holiday_year", "录入全年节假日安排"

    # -- territory (registry) --------------------------------------------------------------------
    REGION_UPDATE = "region.update", "修改区域信息"
    RESIDENT_CREATE = "resident.create", "新增居民"
    RESIDENT_UPDATE = "resident.update", "修改居民信息"
    RESIDENT_MOVE_OUT = "resident.move_out", "居民迁出"
    HOUSEHOLD_CREATE = "household.create", "新增住户"
    HOUSEHOLD_UPDATE = "household.update", "修改住户信息"
    REGISTRY_EXPORT = "registry.export", "导出居民台账"
    REGISTRY_IMPORT = "registry.import", "导入居民台账"
    REGISTRY_IMPORT_FAILED = "registry.import_failed", "导入居民台账（未通过校验）"
    REGISTRY_IMPORT_DRY_RUN = "registry.import_dry_run", "试导入居民台账"
    RESIDENTS_MEETING = "territory.residents_meeting", "登记居民会议"

    # -- grids -----------------------------------------------------------------------------------
    DIVISION_PROPOSE = "grids.division.propose", "生成网格划分方案"
    DIVISION_MOVE = "grids.division.move", "调整网格划分"
    DIVISION_FREEZE = "grids.division.freeze", "冻结网格划分"
    DIVISION_DISCARD = "grids.division.discard", "放弃网格划分方案"
    DIVISION_EXPORT = "grids.division.export", "导出网格划分"

    # -- roster ----------------------------------------------------------------------------------
    ROSTER_REFUSED = "roster.refused", "楼栋长队伍操作被拒绝"
    ROSTER_SYNC_POSTS = "roster.sync_posts", "同步网格岗位"
    ROSTER_POST_CREATE = "roster.post_create", "新增岗位"
    ROSTER_POST_ACKNOWLEDGE = "roster.post_acknowledge", "处理撤销网格的待办"
    ROSTER_ATTACH = "roster.attach", "登记一格多员"
    ROSTER_DETACH = "roster.detach", "结束一格多员"
    ROSTER_PERSON_CREATE = "roster.person_create", "新增人员"
    ROSTER_PERSON_UPDATE = "roster.person_update", "修改人员信息"
    ROSTER_PERSON_PHOTO = "roster.person_photo", "上传人员照片"
    ROSTER_SELECTION_START = "roster.selection_start", "发起选配"
    ROSTER_SELECTION_MOVE = "roster.selection_move", "办理选配环节"
    ROSTER_OBJECTION = "roster.objection", "登记公示异议"
    ROSTER_BALLOT_ISSUE = "roster.ballot_issue", "生成居民推选链接"
    ROSTER_RESIDENT_RESULT = "roster.resident_result", "登记居民推选结果"
    ROSTER_APPOINT = "roster.appoint", "任命"
    ROSTER_TAKE_OVER = "roster.take_over", "安排兼任"
    ROSTER_RESIGN = "roster.resign", "办理辞任"
    ROSTER_ADJUST = "roster.adjust", "办理调整"
    ROSTER_RENEW = "roster.renew", "续任"
    ROSTER_LEGACY_IMPORT = "roster.legacy_import", "导入整合前楼栋长"
    ROSTER_DEMO_BUILD = "roster.demo_build", "生成演示数据"

    # -- documents -------------------------------------------------------------------------------
    DOCUMENTS_EXPORT = "documents.export", "导出名单"
    AGREEMENT_CREATE = "documents.agreement.create", "起草协议书"
    AGREEMENT_REFRESH = "documents.agreement.refresh", "按档案更新协议书"
    AGREEMENT_SIGN = "documents.agreement.sign", "登记协议书签订"
    AGREEMENT_TERMINATE = "documents.agreement.terminate", "解除协议书"
    AGREEMENT_EXPORT = "documents.agreement.export", "下载协议书"
    AGREEMENT_SCAN_DOWNLOAD = "documents.agreement.scan_download", "下载协议书扫描件"
    AGREEMENT_UPLOAD_REFUSED = "documents.agreement.upload_refused", "协议书扫描件被拒收"
    AGREEMENT_PHONE_CONSENT = "documents.agreement.phone_consent", "修改公示电话同意"
    BADGE_ISSUE = "documents.badge.issue", "制作工作胸牌"
    BADGE_REVOKE = "documents.badge.revoke", "作废工作胸牌"

    # -- field work (fieldwork app) --------------------------------------------------------------
    HOUSEHOLD_ATTENTION = "household.attention", "设置重点关注户"
    FIELDWORK_REFUSED = "fieldwork.refused", "事件操作被拒绝"
    FIELDWORK_VISIT = "fieldwork.visit", "登记走访"
    FIELDWORK_CHANGE_REVIEW = "fieldwork.change_review", "处理台账变更提示"
    FIELDWORK_SERVICE = "fieldwork.service", "登记服务记录"
    FIELDWORK_REPORT_SUBMIT = "fieldwork.report_submit", "报送服务记录表"
    FIELDWORK_REPORT_REVIEW = "fieldwork.report_review", "审阅服务记录表"
    FIELDWORK_REPORT_EXPORT = "fieldwork.report_export", "导出服务记录表"
    FIELDWORK_INCIDENT_REPORT = "fieldwork.incident_report", "登记事件"
    FIELDWORK_INCIDENT_MOVE = "fieldwork.incident_move", "办理事件"
    FIELDWORK_SWEEP = "fieldwork.sweep", "逾期事件巡检（自动上报）"

    # -- evaluation and payroll ------------------------------------------------------------------
    EVALUATION_REFUSED = "evaluation.refused", "评议操作被拒绝"
    EVALUATION_ROUND_OPEN = "evaluation.round_open", "开始年度评议"
    EVALUATION_ADD = "evaluation.add", "补充评议对象"
    EVALUATION_ATTITUDE = "evaluation.attitude", "评定工作态度"
    EVALUATION_WORK = "evaluation.work", "评定工作内容"
    EVALUATION_TOKENS = "evaluation.tokens", "生成评议问卷回执"
    EVALUATION_PAPER = "evaluation.paper", "录入纸质问卷"
    EVALUATION_MEETING = "evaluation.meeting", "计入居民会议表决"
    EVALUATION_CLOSE = "evaluation.close", "评定评议结果"
    EVALUATION_ROUND_CLOSE = "evaluation.round_close", "结束年度评议"
    EVALUATION_ADJUST = "evaluation.adjust", "评议不满意调整"
    PAYROLL_REFUSED = "payroll.refused", "补贴发放操作被拒绝"
    PAYROLL_PREPARE = "payroll.prepare", "生成补贴发放表"
    PAYROLL_SUBMIT = "payroll.submit", "报批补贴发放表"
    PAYROLL_RETURN = "payroll.return", "退回补贴发放表"
    PAYROLL_APPROVE = "payroll.approve", "审批并锁定补贴发放表"
    PAYROLL_LINE_ADD = "payroll.line_add", "新增补贴调整行"
    PAYROLL_LINE_EDIT = "payroll.line_edit", "修改补贴调整行"
    PAYROLL_LINE_DELETE = "payroll.line_delete", "删除补贴调整行"
    PAYROLL_EXPORT = "payroll.export", "导出补贴发放表"
    PAYROLL_BANK_ACCOUNT = "payroll.bank_account", "登记补贴收款账户"
    INSURANCE_POLICY = "insurance.policy", "登记意外伤害保险保单"
    INSURANCE_INSURED = "insurance.insured", "修改参保人员"
    INSURANCE_CLAIM = "insurance.claim", "登记保险理赔"
    INSURANCE_CLAIM_MOVE = "insurance.claim_move", "办理保险理赔"
    INSURANCE_REMINDER = "insurance.reminder", "处理续保提醒"
    AWARD_CAMPAIGN = "award.campaign", "发起评选表彰"
    AWARD_TOKENS = "award.tokens", "生成评选回执"
    AWARD_NOMINATE = "award.nominate", "提名评选对象"
    AWARD_REVIEW = "award.review", "审核评选提名"
    AWARD_MOVE = "award.move", "推进评选环节"
    AWARD_GRANT = "award.grant", "授予表彰"

    # -- community life (community app) ----------------------------------------------------------
    COMMUNITY_GROUP_REGISTER = "community.group_register", "登记工作群"
    COMMUNITY_GROUP_DEACTIVATE = "community.group_deactivate", "停用工作群"
    COMMUNITY_GROUP_UPDATE = "community.group_update", "修改工作群（群主、人数、二维码）"
    MEETING_CONVENE = "community.meeting_convene", "召集会商会议"
    MEETING_SCHEDULE = "community.meeting_schedule", "设置网格协商周期"
    MEETING_ATTENDANCE = "community.meeting_attendance", "登记会议出席"
    MEETING_MINUTES = "community.meeting_minutes", "记录会议纪要"
    MEETING_APPROVE = "community.meeting_approve", "审定会议纪要"
    MEETING_REVISE = "community.meeting_revise", "修订已审定纪要"
    MEETING_CANCEL = "community.meeting_cancel", "取消会商会议"
    DECISION_ADD = "community.decision_add", "登记会议决定事项"
    DECISION_PROGRESS = "community.decision_progress", "更新决定事项进展"
    DECISION_INCIDENT = "community.decision_incident", "决定事项转为事件"
    BRANCH_SAVE = "community.branch_save", "登记小区党支部"
    BRANCH_MEMBER = "community.branch_member", "登记党支部成员职务"
    PARTY_SEAT = "community.party_seat", "登记社区党组织委员（兼职委员）"
    COMPOUND_BODY_SAVE = "community.compound_body", "登记物业、业委会"
    SUPERVISION_NOTE = "community.supervision_note", "登记物业、业委会监督记录"
    RATING_OPEN = "community.rating_open", "发起“三长”测评"
    RATING_ANSWER = "community.rating_answer", "提交“三长”测评"
    RATING_CLOSE = "community.rating_close", "结束“三长”测评"
    RATING_EXPORT = "community.rating_export", "导出“三长”测评结果"
    CONVENTION_SAVE = "community.convention_save", "起草文明公约"
    CONVENTION_ADOPT = "community.convention_adopt", "文明公约经居民会议通过"
    PROJECT_PROPOSE = "community.project_propose", "征集服务群众项目"
    PROJECT_INPUT = "community.project_input", "“三长”对服务项目提出意见"
    PROJECT_DECIDE = "community.project_decide", "服务项目采纳决定"
    ACTIVITY_SAVE = "community.activity_save", "登记服务活动"
    # 自愿轮值单元长, 业务培训, 防护物资, 外来人员登记
    COMMUNITY_ROTATION_PILOT = "community.rotation_pilot", "开启或关闭单元长轮值试点"
    COMMUNITY_ROTATION_START = "community.rotation_start", "建立单元长轮值"
    COMMUNITY_ROTATION_MEMBER = "community.rotation_member", "筛选轮值户"
    COMMUNITY_ROTATION_PLAN = "community.rotation_plan", "排定轮值月份"
    COMMUNITY_ROTATION_SWAP = "community.rotation_swap", "调换轮值月份"
    COMMUNITY_ROTATION_LINK = "community.rotation_link", "生成轮值单元长链接"
    COMMUNITY_HANDOVER_WRITE = "community.handover_write", "填写轮值交接"
    COMMUNITY_HANDOVER_CONFIRM = "community.handover_confirm", "确认轮值交接"
    COMMUNITY_ROTATION_CLOSE = "community.rotation_close", "轮值月结束"
    COMMUNITY_ROTATION_REMIND = "community.rotation_remind", "轮值提醒"
    COMMUNITY_TRAINING = "community.training", "登记业务培训"
    COMMUNITY_TRAINING_ATTENDANCE = "community.training_attendance", "登记培训签到"
    COMMUNITY_TRAINING_MATERIAL = "community.training_material", "上传或下载培训材料"
    COMMUNITY_SUPPLY_RECEIPT = "community.supply_receipt", "防护物资入库"
    COMMUNITY_SUPPLY_ISSUE = "community.supply_issue", "发放防护物资"
    COMMUNITY_OUTSIDERS_SWITCH = "community.outsiders_switch", "开启或结束外来人员登记"
    COMMUNITY_OUTSIDER_REGISTER = "community.outsider_register", "登记外来人员"
    COMMUNITY_OUTSIDER_UPDATE = "community.outsider_update", "更新外来人员离开日期"
    COMMUNITY_OUTSIDER_EXPORT = "community.outsider_export", "导出外来人员登记表"
    COMMUNITY_OUTSIDER_PURGE = "community.outsider_purge", "到期删除外来人员登记"

    # -- reports ---------------------------------------------------------------------------------
    REPORT_EXPORT = "reports.export", "导出统计报表"

    # -- operations ------------------------------------------------------------------------------
    OPS_BACKUP = "ops.backup", "备份数据"


def action_label(value: str) -> str:
    """The Chinese name of a stored action; an unknown (retired) value shows as it is."""
    try:
        return AuditAction(value).label
    except ValueError:
        return value


# Field names that appear in old/new values, as the audit admin reads them.
KEY_LABELS = {
    "status": "状态",
    "start": "开始日期",
    "end": "结束日期",
    "term_end": "任期至",
    "end_reason": "离任原因",
    "person": "人员",
    "post": "岗位",
    "role": "角色",
    "region": "区域",
    "is_committee": "两委成员",
    "is_party_org": "社区党组织成员",
    "is_active": "有效",
    "username": "用户名",
    "full_name": "姓名",
    "name": "姓名",
    "phone": "电话",
    "id_number": "身份证号",
    "address": "住址",
    "birth_date": "出生日期",
    "reason": "事由",
    "outcome": "结果",
    "notice_start": "公示开始",
    "notice_end": "公示截止",
    "override_reason": "例外理由",
    "is_concurrent": "兼任",
    "is_legacy": "整合前原配备",
    "channel": "推选方式",
    "candidate": "候选人",
    "fields": "字段",
    "filters": "筛选条件",
    "file": "文件",
    "rows": "行数",
    "bad_rows": "错误行数",
    "created": "新增",
    "kept": "保留",
    "closed": "撤销",
    "division": "划分方案",
    "room": "房号",
    "occupied": "实际居住",
    "residence": "居住类型",
    "moved_out_on": "迁出日期",
    "date": "日期",
    "kind": "类型",
    "title": "名称",
    # evaluation and payroll
    "year": "年度",
    "score": "得分",
    "grade": "等次",
    "attitude_score": "工作态度得分",
    "work_score": "工作内容得分",
    "evaluations": "评议人数",
    "tokens": "回执份数",
    "forms": "份数",
    "month": "月份",
    "lines": "明细条数",
    "total": "合计（元）",
    "amount": "金额（元）",
    "insurer": "保险公司",
    "number": "保单号",
    "premium": "保费（元）",
}


def readable_key(key: str) -> str:
    return KEY_LABELS.get(key, key)


def readable_value(value) -> str:
    """A stored old/new value in plain Chinese: 是/否, lists joined, nested values spelled out."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(readable_value(v) for v in value) if value else "（无）"
    if isinstance(value, dict):
        return "；".join(f"{readable_key(k)}：{readable_value(v)}" for k, v in value.items())
    return str(value)
