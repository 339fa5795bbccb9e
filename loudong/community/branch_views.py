"""Pages of the 小区党支部: list, new, a branch (members, meetings hosted with attendance), the
交叉任职 compliance view."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from loudong.community import branches as actions
from loudong.community import meetings as meeting_actions
from loudong.community.access import can_edit
from loudong.community.models import BranchMember, Meeting, PartyBranch, PartyOrgSeat
from loudong.fieldwork.access import body_community_ids
from loudong.fieldwork.actions.common import Refused
from loudong.roster.models import Person
from loudong.territory.models import Region


def _communities(request):
    ids = body_community_ids(request.user)
    if not ids:
        raise Http404
    communities = Region.objects.filter(pk__in=ids).order_by("code", "name")
    pk = request.GET.get("community")
    community = next((c for c in communities if str(c.pk) == pk), None) if pk else communities[0]
    if community is None:
        raise Http404
    return community, communities


class BranchForm(forms.Form):
    name = forms.CharField(label="党支部名称", max_length=60)
    compounds = forms.ModelMultipleChoiceField(
        label="所辖小区", queryset=Region.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    founded = forms.DateField(
        label="成立日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compounds"].queryset = Region.objects.filter(
            parent=community, level=Region.Level.COMPOUND
        ).order_by("name")


class MemberForm(forms.Form):
    person = forms.ModelChoiceField(label="人员", queryset=Person.objects.none())
    role = forms.ChoiceField(label="职务", choices=BranchMember.Role.choices)
    since = forms.DateField(label="任职日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(community=community).order_by("name")


class SeatForm(MemberForm):
    role = forms.ChoiceField(label="职务", choices=PartyOrgSeat.Kind.choices)


class BranchMeetingForm(forms.Form):
    title = forms.CharField(label="会议名称", max_length=100, initial="支部委员会议")
    starts = forms.DateTimeField(
        label="会议时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label="地点", max_length=100, required=False)


@login_required
def branches(request):
    community, communities = _communities(request)
    rows = (
        PartyBranch.objects.filter(community=community)
        .prefetch_related("compounds", "members__person")
        .order_by("name")
    )
    editable = can_edit(request.user, community)
    return render(
        request,
        "community/branches.html",
        {
            "community": community,
            "communities": communities,
            "branches": rows,
            "can_edit": editable,
            "form": BranchForm(community=community) if editable else None,
            "seat_form": SeatForm(community=community) if editable else None,
            "seats": PartyOrgSeat.objects.filter(
                community=community, until__isnull=True
            ).select_related("person"),
            "breadcrumb": [{"label": "小区党支部"}],
        },
    )


@require_POST
@login_required
def branch_new(request):
    community, _ = _communities(request)
    form = BranchForm(request.POST, community=community)
    if form.is_valid():
        try:
            branch = actions.save_branch(
                community=community, acting_user=request.user, request=request, **form.cleaned_data
            )
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记“{branch.name}”")
            return redirect(branch)
    else:
        messages.error(request, "请填写党支部名称并选择所辖小区")
    return redirect(reverse("community:branches") + f"?community={community.pk}")


@require_POST
@login_required
def seat_new(request):
    community, _ = _communities(request)
    form = SeatForm(request.POST, community=community)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_party_seat(
                community=community,
                person=data["person"],
                kind=data["role"],
                since=data["since"],
                acting_user=request.user,
                request=request,
            )
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记 {data['person'].name} 的社区党组织职务")
    else:
        messages.error(request, "请选择人员、职务和任职日期")
    return redirect(reverse("community:branches") + f"?community={community.pk}")


def _branch(request, pk) -> PartyBranch:
    ids = body_community_ids(request.user)
    branch = PartyBranch.objects.filter(pk=pk, community_id__in=ids).first()
    if branch is None:
        raise Http404
    return branch


@login_required
def branch(request, pk):
    branch = _branch(request, pk)
    editable = can_edit(request.user, branch.community)
    hosted = list(
        Meeting.objects.filter(branch=branch).prefetch_related("invitees").order_by("-starts")
    )
    for m in hosted:
        m.present = sum(1 for i in m.invitees.all() if i.attendance == "present")
        m.total = len(m.invitees.all())
    return render(
        request,
        "community/branch_detail.html",
        {
            "branch": branch,
            "members": branch.members.select_related("person").order_by("until", "role", "pk"),
            "meetings": hosted,
            "can_edit": editable,
            "member_form": MemberForm(community=branch.community) if editable else None,
            "meeting_form": BranchMeetingForm() if editable else None,
            "breadcrumb": [
                {"label": "小区党支部", "url": reverse("community:branches")},
                {"label": branch.name},
            ],
        },
    )


@require_POST
@login_required
def member_new(request, pk):
    branch = _branch(request, pk)
    form = MemberForm(request.POST, community=branch.community)
    if form.is_valid():
        try:
            actions.set_member(
                branch=branch, acting_user=request.user, request=request, **form.cleaned_data
            )
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已登记 {form.cleaned_data['person'].name} 的支部职务")
    else:
        messages.error(request, "请选择人员、职务和任职日期")
    return redirect(branch)


@require_POST
@login_required
def member_end(request, pk):
    member = BranchMember.objects.select_related("branch__community").filter(pk=pk).first()
    if member is None or member.branch.community_id not in body_community_ids(request.user):
        raise Http404
    try:
        actions.end_member(
            member=member, until=timezone.localdate(), acting_user=request.user, request=request
        )
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{member.person.name} 已离任")
    return redirect(member.branch)


@require_POST
@login_required
def branch_meeting(request, pk):
    branch = _branch(request, pk)
    form = BranchMeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写会议名称和时间")
        return redirect(branch)
    try:
        meeting = meeting_actions.convene_meeting(
            community=branch.community,
            branch=branch,
            acting_user=request.user,
            request=request,
            **form.cleaned_data,
        )
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect(branch)
    messages.success(
        request, f"已召集“{meeting.title}”，邀请支部成员 {meeting.invitees.count()} 人"
    )
    return redirect(meeting)


@login_required
def compliance(request):
    community, communities = _communities(request)
    return render(
        request,
        "community/branch_compliance.html",
        {
            "community": community,
            "communities": communities,
            **actions.cross_appointment(community, timezone.localdate()),
            "breadcrumb": [
                {"label": "小区党支部", "url": reverse("community:branches")},
                {"label": "交叉任职"},
            ],
        },
    )
