# 重点关注 households (fieldwork, issue 12): a plain flag and a sealed reason.

import loudong.lib.protected
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('territory', '0006_resident_political_status_protected'),
    ]

    operations = [
        migrations.AddField(
            model_name='household',
            name='attention_reason',
            field=loudong.lib.protected.ProtectedField(blank=True, db_default='', default='', kind='text', verbose_name='重点关注原因'),
        ),
        migrations.AddField(
            model_name='household',
            name='needs_attention',
            field=models.BooleanField(db_default=False, default=False, verbose_name='重点关注'),
        ),
    ]
