from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "loudong.documents"
    verbose_name = "文书与公示"

    def ready(self):
        # The roster asks and tells through explicit hooks (roster/hooks.py), never an import.
        from loudong.documents import actions
        from loudong.roster import hooks

        hooks.signed_agreements.provide(actions.signed_appointment_ids)
        hooks.appointment_ended.listen(actions.end_with_appointment)
        hooks.appointment_renewed.listen(actions.extend_with_appointment)
