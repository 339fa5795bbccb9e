"""``loudong generate_city --households N --seed S --out DIR``: a synthetic 街道 to import.

Writes exactly one registry .xlsx (first sheet: 街道 + the template headers, data right
below; second sheet 楼栋) and the units CSV that ``loudong divide`` reads.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from loudong.territory import synth


class Command(BaseCommand):
    help = "生成模拟街道：居民登记表 registry.xlsx 与单元表 units.csv"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True, help="实际居住户数")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", required=True, help="输出目录")

    def handle(self, *args, households, seed, out, **options):
        if households < 1:
            raise CommandError("--households 须为正整数")
        result = synth.generate(households, seed, Path(out))
        city = result["city"]
        self.stdout.write(
            f"{city.name}：{len(city.communities)} 个社区，{city.households} 户，"
            f"{result['residents']} 名居民"
        )
        self.stdout.write(f"登记表：{result['registry']}")
        self.stdout.write(f"单元表：{result['units']}")
