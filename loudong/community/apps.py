from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "loudong.community"
    verbose_name = "社区共治"

    def ready(self):
        from loudong.community.branches import branch_member_users
        from loudong.community.phone import meeting_items
        from loudong.fieldwork.hooks import party_branch_members, phone_items

        # The 小区党支部 level of the incident ladder is the branch's committee (004 §三.10).
        party_branch_members.provide(branch_member_users)
        # The leaders' phone home shows their meetings, decisions, ratings and supervision.
        phone_items.provide(meeting_items)
