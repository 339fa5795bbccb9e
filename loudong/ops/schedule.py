"""Every scheduled job, in one place (issue: overdue sweep, reminders, retention purges,
nightly statistics, audit checkpoints, backups).

Each entry names a django-tasks task (``module.path:function`` decorated with ``@task()``) and
how often it runs. ``loudong worker`` enqueues each job when due — exactly once across all
worker processes and nodes (``ops.models.ScheduledJob``, a compare-and-set on the last run) —
and runs the queue. To run a job by hand, call its management command (listed beside it).
Add your app's jobs here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # "loudong.app.tasks:function"
    every_s: int
    command: str  # the same work by hand (cron, or an operator)
    label: str


SCHEDULE: list[Job] = [
    # -- accounts ----------------------------------------------------------------------------
    Job(
        name="audit_checkpoint",
        task="loudong.accounts.tasks:audit_checkpoint",
        every_s=300,
        command="loudong verify_audit --checkpoint",
        label="审计日志检查点（校验哈希链并更新锚点）",
    ),
    Job(
        name="audit_daily_report",
        task="loudong.accounts.tasks:audit_daily_report",
        every_s=86400,
        command="loudong audit_report",
        label="审计日报（全链校验、链头、当日要事）",
    ),
    # -- fieldwork ---------------------------------------------------------------------------
    Job(
        "fieldwork.sweep_overdue",
        "loudong.fieldwork.tasks:sweep_overdue",
        300,
        "loudong escalate_overdue",
        "逾期事件巡检（超期自动上报、提醒、自动关闭）",
    ),
    Job(
        "fieldwork.send_outbox",
        "loudong.fieldwork.tasks:send_outbox",
        60,
        "loudong send_outbox",
        "发送工作群机器人消息（失败重试）",
    ),
    Job(
        "fieldwork.rollup_incidents",
        "loudong.fieldwork.tasks:rollup_incidents",
        24 * 3600,
        "loudong rollup_incidents",
        "事件统计（看板按月汇总，每晚重算）",
    ),
    # -- evaluation and payroll --------------------------------------------------------------
    Job(
        "insurance_renewal",
        "loudong.payroll.tasks:remind_insurance",
        24 * 3600,
        "loudong remind_insurance",
        "意外伤害保险续保提醒",
    ),
    # -- community ---------------------------------------------------------------------------
    Job(
        "community.rotation_sweep",
        "loudong.community.tasks:rotation_sweep",
        24 * 3600,
        "loudong rotation_sweep",
        "单元长轮值（月份交替、轮值前与月末交接提醒）",
    ),
    Job(
        "community.purge_outsiders",
        "loudong.community.tasks:purge_outsiders",
        24 * 3600,
        "loudong purge_outsiders",
        "外来人员登记到期删除（保存期限见政策方案）",
    ),
    # -- operations --------------------------------------------------------------------------
    # The nightly backup is a systemd timer (deploy/systemd/loudong-backup.timer running
    # `loudong backup --nightly`), not a job here: it must run when the app is in trouble.
    Job(
        "ops.prune_task_results",
        "loudong.ops.tasks:prune_task_results",
        24 * 3600,
        "loudong prune_db_task_results --queue-name='*'",
        "清理已完成的后台任务记录",
    ),
]
