from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "loudong.community"
    verbose_name = "社区共治"

    def ready(self):
        from loudong.community import phone
        from loudong.community.branches import branch_member_users
        from loudong.fieldwork.hooks import party_branch_members, phone_home_items
        from loudong.roster.hooks import person_sections

        # The 小区党支部 level of the incident ladder is the branch's committee (004 §三.10).
        party_branch_members.provide(branch_member_users)
        # The leaders' phone home: meetings, decisions, ratings, supervision; the rota,
        # trainings, supplies and outsider registration.
        for items in (
            phone.meeting_items,
            phone.rotation_items,
            phone.training_items,
            phone.supplies_items,
            phone.outsider_items,
        ):
            phone_home_items.provide(items)
        person_sections.provide(phone.training_section)
