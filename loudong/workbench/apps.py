from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "loudong.workbench"
    verbose_name = "工作台"

    def ready(self):
        # Each app says what waits for a user in its own ``todos`` module (as the admin
        # discovers ``admin`` modules): the workbench imports none of them by name.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("todos")
