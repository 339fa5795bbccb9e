"""The JSON API under /api/v1/ (PRODUCT.md "Stable interfaces").

Lists return the caller's whole scope unless filtered, ``limit`` up to 1000; out of
scope is 404; phones and ID numbers are masked. Each app's endpoints live in its own
``api.py`` (a ninja ``Router``); this module only mounts them.
"""

from ninja import NinjaAPI

from loudong.api.auth import ScopedSessionAuth, TokenAuth
from loudong.fieldwork.api import open311 as open311_router
from loudong.fieldwork.api import router as fieldwork_router
from loudong.grids.api import router as grids_router
from loudong.roster.api import router as roster_router
from loudong.territory.api import router as territory_router

api = NinjaAPI(
    title="loudong API",
    version="1",
    description="楼栋长网格治理系统接口。会话登录或 Bearer 令牌；列表默认返回调用者管辖范围内的全部数据。",
    auth=[TokenAuth(), ScopedSessionAuth()],
    urls_namespace="api",
)

api.add_router("", territory_router)
api.add_router("", grids_router)
api.add_router("", roster_router)
api.add_router("", fieldwork_router)
api.add_router("", open311_router)
