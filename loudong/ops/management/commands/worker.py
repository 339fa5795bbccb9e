"""``loudong worker``: run the background queue and the schedule in one process.

The queue is django-tasks' database worker (imports, payroll runs, notifications); beside it a
thread enqueues the periodic jobs of ``loudong/ops/schedule.py`` when they are due, exactly
once across every worker on every node, and writes this worker's heartbeat for ``/healthz``.
Start one or more per node (systemd unit in ``deploy/``); ``make demo`` starts one.
"""

import os
import socket
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from loudong.ops.worker import beat, enqueue_due


class Command(BaseCommand):
    help = "运行后台任务队列和定时任务（导入、逾期升级、提醒、审计校验点等）"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=2.0, help="队列轮询间隔（秒）")
        parser.add_argument("--tick", type=float, default=30.0, help="定时任务检查间隔（秒）")

    def handle(self, *args, interval=2.0, tick=30.0, **options):
        worker_id = f"{socket.gethostname()}-{os.getpid()}"
        stop = threading.Event()

        def scheduler():
            while not stop.is_set():
                try:
                    close_old_connections()
                    beat(worker_id)
                    enqueue_due()
                except Exception:
                    import logging

                    logging.getLogger(__name__).exception("scheduler tick failed")
                finally:
                    connection.close()
                stop.wait(tick)

        thread = threading.Thread(target=scheduler, name="loudong-scheduler", daemon=True)
        thread.start()
        self.stdout.write(f"后台任务进程 {worker_id} 已启动（Ctrl+C 停止）")
        try:
            call_command("db_worker", interval=interval, worker_id=worker_id[:64])
        finally:
            stop.set()
            time.sleep(0)
