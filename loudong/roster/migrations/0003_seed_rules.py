"""Seed rules: pinned profile versions, votes for/against/abstain, residents' meeting results,
the 公示 token for residents' objections, community-worker flag, sealed badge photos."""

from django.db import migrations, models

import loudong.lib.protected


class Migration(migrations.Migration):
    dependencies = [
        ("roster", "0002_posts_attention_ballots"),
        ("territory", "0003_policy_name_and_residents_meetings"),
    ]

    operations = [
        migrations.RemoveField(model_name="vote", name="in_favour"),
        migrations.AddField(
            model_name="vote",
            name="choice",
            field=models.CharField(
                choices=[("for", "赞成"), ("against", "反对"), ("abstain", "弃权")],
                default="for",
                max_length=8,
                verbose_name="表决",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="profile_name",
            field=models.CharField(default="chiyang", max_length=40, verbose_name="政策方案"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="appointment",
            name="profile_version",
            field=models.PositiveIntegerField(default=1, verbose_name="方案版本"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="selection",
            name="profile_version",
            field=models.PositiveIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="objection",
            name="contact",
            field=loudong.lib.protected.ProtectedField(kind="text", verbose_name="联系方式"),
        ),
        migrations.AddField(
            model_name="person",
            name="is_community_worker",
            field=models.BooleanField(default=False, verbose_name="社区工作者"),
        ),
        migrations.AddField(
            model_name="selection",
            name="meeting_question",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="territory.residentsmeetingquestion",
                verbose_name="居民会议表决",
            ),
        ),
        migrations.AddField(
            model_name="selection",
            name="notice_token",
            field=models.CharField(blank=True, db_index=True, max_length=40),
        ),
        migrations.AlterField(
            model_name="person",
            name="photo",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="照片"),
        ),
    ]
