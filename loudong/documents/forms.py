import datetime as dt

from django import forms
from django.conf import settings
from django.utils import timezone

from loudong.lib.fields import DateField

# Magic bytes of the only file types a signed scan may be.
SCAN_TYPES = [
    (b"%PDF-", "application/pdf", ("pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", ("jpg", "jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", ("png",)),
]


def sniff_scan(upload) -> str:
    """The content type from the file's first bytes; raises ValidationError in Chinese."""
    limit = settings.LOUDONG_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"文件太大（{upload.size / 1048576:.1f} MB），不能超过 {limit / 1048576:.0f} MB"
        )
    if upload.size == 0:
        raise forms.ValidationError("文件是空的")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ext = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    for magic, content_type, extensions in SCAN_TYPES:
        if head.startswith(magic):
            if ext not in extensions:
                raise forms.ValidationError("文件扩展名与内容不符，请上传 PDF、JPG 或 PNG 文件")
            return content_type
    raise forms.ValidationError("文件内容不是 PDF、JPG 或 PNG，请上传签字协议的扫描件或照片")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class SignForm(forms.Form):
    # Not in the future, not before the records begin; not before the appointment (the action).
    signed_by_a_on = DateField(label="甲方签字（盖章）日期", past_only=True)
    signed_by_b_on = DateField(label="乙方签字日期", past_only=True)
    scan = forms.FileField(
        label="签字协议扫描件",
        help_text="PDF、JPG 或 PNG",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    consents_to_publish_phone = forms.BooleanField(
        label="乙方同意在公示牌上公布本人联系电话",
        required=False,
        help_text="不同意时，公示牌显示社区办公电话",
    )

    def clean_scan(self):
        upload = self.cleaned_data["scan"]
        self.scan_type = sniff_scan(upload)
        return upload


class TerminateForm(forms.Form):
    on = DateField(label="解除日期")
    reason = forms.CharField(label="解除原因", max_length=200)


class DateRangeForm(forms.Form):
    """A date range; blank ends default to ``default`` (the 优化整合 campaign's start and
    deadline from the profile, 000 §四.2), else 1 January to today."""

    since = DateField(label="起始日期", required=False)
    until = DateField(label="截止日期", required=False)

    def __init__(self, *args, default=None, **kwargs):
        self.default = default
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        since, until = self.default or (dt.date(today.year, 1, 1), today)
        data["since"] = data.get("since") or since
        data["until"] = data.get("until") or until
        if data["since"] > data["until"]:
            raise forms.ValidationError("起始日期不能晚于截止日期")
        return data
