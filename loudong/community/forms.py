from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from loudong.community.models import ChatGroup
from loudong.territory.models import Building, Unit


class ChatGroupForm(forms.Form):
    name = forms.CharField(label="群名称", max_length=60)
    level = forms.ChoiceField(label="层级", choices=ChatGroup.Level.choices)
    kind = forms.ChoiceField(label="平台", choices=ChatGroup.Kind.choices)
    grid_code = forms.ChoiceField(label="网格", required=False)
    building = forms.ModelChoiceField(
        label="楼栋", queryset=Building.objects.none(), required=False
    )
    unit = forms.ModelChoiceField(label="单元", queryset=Unit.objects.none(), required=False)
    webhook = forms.CharField(
        label="机器人 Webhook 地址",
        max_length=500,
        required=False,
        help_text="企业微信或钉钉群机器人的地址（含密钥，加密保存）；普通微信群不填",
    )

    owner = forms.CharField(label="群主", max_length=50, required=False)
    member_count = forms.IntegerField(
        label="群成员数", min_value=0, max_value=100000, required=False
    )
    qr = forms.FileField(label="群二维码图片（选填）", required=False)

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        from loudong.grids.models import Grid

        self.community = community
        codes = (
            Grid.objects.in_force()
            .filter(community=community)
            .exclude(code="")
            .order_by("code")
            .values_list("code", flat=True)
        )
        self.fields["grid_code"].choices = [("", "—")] + [
            (c, f"网格 {c[-2:]}（{c}）") for c in codes
        ]
        self.fields["building"].queryset = Building.objects.filter(
            community=community
        ).select_related("compound")
        self.fields["unit"].queryset = Unit.objects.filter(community=community).select_related(
            "building__compound"
        )

    def clean_webhook(self):
        url = self.cleaned_data["webhook"].strip()
        if not url:
            return ""
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise forms.ValidationError("Webhook 地址须以 https:// 开头")
        allowed = settings.LOUDONG_WEBHOOK_HOSTS
        if parts.hostname not in allowed:
            raise forms.ValidationError(
                "只接受企业微信或钉钉机器人的地址（" + "、".join(allowed) + "）"
            )
        if parts.scheme != "https" and parts.hostname not in ("127.0.0.1", "localhost"):
            raise forms.ValidationError("Webhook 地址须以 https:// 开头")
        return url

    def clean(self):
        data = super().clean()
        level, kind = data.get("level"), data.get("kind")
        needs = {
            ChatGroup.Level.UNIT: ("unit", "单元群须选择单元"),
            ChatGroup.Level.BUILDING: ("building", "楼栋群须选择楼栋"),
            ChatGroup.Level.GRID: ("grid_code", "网格群须选择网格"),
        }
        if level in needs:
            field, message = needs[level]
            if not data.get(field):
                self.add_error(field, message)
        if data.get("webhook") and kind == ChatGroup.Kind.WECHAT:
            self.add_error("webhook", "普通微信群没有机器人接口，不能填写 Webhook 地址")
        return data


class GroupUpdateForm(forms.Form):
    owner = forms.CharField(label="群主", max_length=50, required=False)
    member_count = forms.IntegerField(
        label="群成员数", min_value=0, max_value=100000, required=False
    )
    qr = forms.FileField(label="新的群二维码图片（选填）", required=False)
