"""Health for load balancers: ``GET /healthz`` (PRODUCT.md "Stable interfaces").

``{"database": "ok", "migrations": "ok"|"pending", "worker": "ok"|"stale"}``; 503 when the
database cannot be reached. No login, no personal data, no traceback.
"""

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from loudong.ops.worker import worker_state


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        body = {
            "database": "ok",
            "migrations": "pending" if pending else "ok",
            "worker": worker_state(),
        }
    except DatabaseError:
        return JsonResponse({"database": "unreachable"}, status=503)
    return JsonResponse(body, status=200)
