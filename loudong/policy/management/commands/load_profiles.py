"""Bring the shipped profile files into the database: ``loudong load_profiles``.

Idempotent. For each ``profiles/<name>.json`` it adds a new version only when the file differs
from the current version *and* from the last version loaded from the file — so a deploy never
silently reverts a 街道管理员's edit made on the website; ``--force`` loads the file anyway.
Prints one line per profile saying what it did.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from loudong.policy.actions import create_profile_version
from loudong.policy.models import PolicyProfile
from loudong.policy.schema import builtin_names, diff, read_builtin, validate_profile


class Command(BaseCommand):
    help = "载入内置政策方案文件（profiles/*.json）：文件有变化时新建一个版本"

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="方案代码（默认全部）")
        parser.add_argument(
            "--force", action="store_true", help="即使当前版本是网页上修改的，也按文件新建版本"
        )

    def handle(self, *args, names=(), force=False, **options):
        names = names or builtin_names()
        unknown = sorted(set(names) - set(builtin_names()))
        if unknown:
            raise CommandError("没有这些方案文件：" + "、".join(unknown))
        for name in names:
            data = read_builtin(name)
            errors = validate_profile(data)
            if errors:
                raise CommandError(f"{name}.json 无效：\n" + "\n".join(errors))
            current = PolicyProfile.current(name)
            if current is not None and current.data == data:
                self.stdout.write(f"{name}：与当前第 {current.version} 版相同，未改动")
                continue
            last_file = (
                PolicyProfile.objects.filter(name=name, created_by=None)
                .order_by("-version")
                .first()
            )
            if current is not None and not force and last_file and last_file.data == data:
                self.stdout.write(
                    f"{name}：文件与第 {last_file.version} 版相同；当前第 {current.version} 版"
                    "是网页上修改的，保留不动（--force 可按文件覆盖）"
                )
                continue
            changed = len(diff(current.data, data)[1]) if current else 0
            try:
                profile = create_profile_version(
                    name=name, data=data, note=f"载入内置方案文件 {name}.json", acting_user=None
                )
            except ValidationError as exc:
                raise CommandError(f"{name}：" + "；".join(exc.messages)) from None
            self.stdout.write(
                f"{name}：已新建第 {profile.version} 版"
                + (f"（{changed} 项参数有变化）" if current else "")
            )
