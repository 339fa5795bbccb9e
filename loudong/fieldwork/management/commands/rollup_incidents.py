from django.core.management.base import BaseCommand

from loudong.fieldwork import stats


class Command(BaseCommand):
    help = "重算事件统计（看板按月汇总）：今天以前登记的全部事件；今天的在看板中实时统计。每晚由 loudong worker 运行。"

    def handle(self, *args, **options):
        result = stats.rollup()
        self.stdout.write(
            f"事件统计已重算至 {result['live_from']} 以前：{result['rows']} 行，用时 {result['seconds']} 秒"
        )
