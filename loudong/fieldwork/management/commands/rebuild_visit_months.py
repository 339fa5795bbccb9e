from django.core.management.base import BaseCommand

from loudong.fieldwork import stats


class Command(BaseCommand):
    help = (
        "重建走访月份标记（看板“已走访户数”所读）：由全部走访记录重算。登记走访时已随之更新，"
        "只在批量导入走访之后、或升级到含此表的版本之后运行一次。"
    )

    def handle(self, *args, **options):
        rows = stats.rebuild_visit_months()
        self.stdout.write(f"走访月份标记已重建：{rows} 行（户 × 五年段）")
