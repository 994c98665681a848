from django.apps import AppConfig


class MediaLibConfig(AppConfig):
    name = "media_lib"
    verbose_name = "Media library"

    def ready(self) -> None:
        from accounts import roles  # imports auth's models: not before the app registry is ready

        roles.contribute(roles.OPERATOR, ["media_lib.view_mediaasset", "media_lib.add_mediaasset"])
        roles.contribute(
            roles.TEMPLATE_MANAGER,
            [
                "media_lib.view_mediaasset",
                "media_lib.add_mediaasset",
                "media_lib.change_mediaasset",
                "media_lib.delete_mediaasset",
            ],
        )
        roles.contribute(
            roles.SUPPORT, ["media_lib.view_mediaasset", "media_lib.change_mediaasset", "media_lib.view_cloudmediaid"]
        )
        roles.register_admin_app(self.label)
