"""Per-city policy profiles (versioned JSON) and the admin's holiday calendar entries.

PRODUCT.md: "Each city is a versioned JSON profile checked by a schema … An admin can edit a
profile; a change creates a new version and never rewrites past payroll or evaluations."
Other apps store the (name, version) they used, so a row is never edited after creation.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse


class PolicyProfile(models.Model):
    name = models.SlugField("方案代码", max_length=40)
    version = models.PositiveIntegerField("版本")
    title = models.CharField("方案名称", max_length=100)
    data = models.JSONField("参数")
    # The day this version starts to apply: ``policy.profile.profile_for(…, on=day)`` picks the
    # newest version in force on a day, so a payroll for last month keeps last month's numbers.
    effective_from = models.DateField("生效日期")
    created = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )  # null: a built-in version loaded from profiles/<name>.json
    note = models.TextField("修改说明")

    class Meta:
        verbose_name = "政策方案"
        verbose_name_plural = "政策方案"
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="policy_profile_name_version")
        ]

    def __str__(self):
        return f"{self.title}（{self.name} 第 {self.version} 版）"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("政策方案的版本一经创建不可修改：请新建一个版本")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("policy:version", args=[self.name, self.version])

    @classmethod
    def current(cls, name: str) -> "PolicyProfile | None":
        """The latest version of ``name`` (the one an edit builds on), or None when there is none.

        Rules are read through ``loudong.policy.profile``, never from this row directly.
        """
        return cls.objects.filter(name=name).order_by("-version").first()

    @property
    def is_builtin(self) -> bool:
        return self.created_by_id is None


class Holiday(models.Model):
    """An admin's calendar entry; it overrides the chinese-calendar library for its date.

    PRODUCT.md: "the library only knows years up to its release (2026 today), and the State
    Council publishes each next year in November or December" — the admin enters the new
    year's 法定节假日 and 调休 workdays here until the library is upgraded.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "放假"
        WORKDAY = "workday", "调休上班"

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=40, blank=True)
    created = models.DateTimeField("录入时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name="录入人",
    )

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()
