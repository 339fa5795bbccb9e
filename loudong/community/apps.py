from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "loudong.community"
    verbose_name = "社区共治"

    def ready(self):
        from loudong.community import phone
        from loudong.fieldwork.hooks import phone_home_items
        from loudong.roster.hooks import person_sections

        phone_home_items.provide(phone.rotation_items)
        phone_home_items.provide(phone.training_items)
        phone_home_items.provide(phone.supplies_items)
        phone_home_items.provide(phone.outsider_items)
        person_sections.provide(phone.training_section)
