"""The JSON API under /api/v1/ (PRODUCT.md "Stable interfaces").

Lists return the caller's whole scope unless filtered, ``limit`` up to 1000; out of
scope is 404; phones and ID numbers are masked. Each app's endpoints live in its own
``api.py`` (a ninja ``Router``); this module only mounts them.
"""

from ninja import NinjaAPI

from loudong.api.auth import ScopedSessionAuth, TokenAuth
from loudong.community.duty_api import router as community_duty_router
from loudong.community.life_api import router as community_life_router
from loudong.evaluation.api import router as evaluation_router
from loudong.fieldwork.api import open311 as open311_router
from loudong.fieldwork.api import router as fieldwork_router
from loudong.grids.api import router as grids_router
from loudong.payroll.api import router as payroll_router
from loudong.roster.api import router as roster_router
from loudong.territory.api import router as territory_router

# Every operation may answer these; documented once for all (schemathesis checks that each
# status code a response carries is in the schema).
ERRORS = {
    "400": "请求被拒绝（原因见 detail）",
    "401": "未登录或令牌无效、已过期、已吊销",
    "403": "无权进行此操作",
    "404": "不存在，或不在您的管辖范围内",
    "422": "参数不合法（字段与原因见 detail）",
    "429": "请求过于频繁",
}
ERROR_SCHEMA = {
    "title": "ErrorOut",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "anyOf": [{"type": "string"}, {"type": "array"}]}},
    "required": ["detail"],
}


class LoudongAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ERROR_SCHEMA
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, text in ERRORS.items():
                    responses.setdefault(code, {"description": text, "content": ref})
        return schema


api = LoudongAPI(
    title="loudong API",
    version="1",
    description="楼栋长网格治理系统接口。会话登录或 Bearer 令牌；列表默认返回调用者管辖范围内的全部数据。",
    auth=[TokenAuth(), ScopedSessionAuth()],
    urls_namespace="api",
)

api.add_router("", territory_router)
api.add_router("", grids_router)
api.add_router("", roster_router)
api.add_router("", evaluation_router)
api.add_router("", payroll_router)
api.add_router("", fieldwork_router)
api.add_router("", open311_router)
api.add_router("", community_life_router)
api.add_router("", community_duty_router)
