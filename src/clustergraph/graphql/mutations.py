"""Mutations for editors: each checks its input, then writes in one transaction, all or nothing.

Validation problems come back in the payload's `errors` (field, message, code) with nothing written; a missing or
insufficient token is refused by the field's permission before any database work.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info

from ..auth import Role
from ..repository import WriteResult
from ..validation import Checker, FieldError, missing_references
from .context import Context
from .engine import read_node
from .inputs import RecognitionLevel
from .types import NODE_CLASSES, City, Cluster, County, Enterprise, Industry, Recognition

_PROVINCE_KEY = "510000"

Inf = Info[Context, Any]


class EditorOnly(BasePermission):
    """Allows the field to editors and admins (an `Authorization: Bearer <token>` with that role)."""

    message = "This needs an editor token: send 'Authorization: Bearer <token>' with role editor or admin."

    def has_permission(self, source: Any, info: Inf, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is None:
            raise GraphQLError(self.message, extensions={"code": "UNAUTHENTICATED"})
        if not principal.can(Role.EDITOR):
            raise GraphQLError(
                f"The token's role '{principal.role.value}' cannot write; an editor or admin token can.",
                extensions={"code": "FORBIDDEN"},
            )
        return True


@strawberry.type(description="A problem with a mutation's input; nothing was written.")
class MutationError:
    field: str = strawberry.field(description="The input field, e.g. input.countyKey.")
    message: str = strawberry.field(description="What is wrong with it.")
    code: str = strawberry.field(
        description="REQUIRED, INVALID_FORMAT, OUT_OF_RANGE, TOO_LONG, INVALID_CHARACTERS, NOT_FOUND or DUPLICATE."
    )


def _errors(found: list[FieldError]) -> list[MutationError]:
    return [MutationError(field=e.field, message=e.message, code=e.code) for e in found]


# --- inputs --------------------------------------------------------------------------------------------------


@strawberry.input(description="A new cluster.")
class CreateClusterInput:
    key: str = strawberry.field(description="Its key: lower-case words joined by hyphens.")
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    county_key: str = strawberry.field(description="Key of the county it sits in (must exist).")
    industry_key: str = strawberry.field(description="Key of its industry (must exist).")
    industry_inferred: bool = strawberry.field(default=False, description="The industry is a judgement.")
    leading_sector: str | None = strawberry.field(default=None, description="Leading sector, English.")
    leading_sector_zh: str | None = strawberry.field(default=None, description="Leading sector, Chinese.")
    output_value_cny: float | None = strawberry.field(default=None, description="Stated output value, yuan.")
    enterprise_count: int | None = strawberry.field(default=None, description="Stated number of enterprises.")
    sources: list[str] = strawberry.field(default_factory=list, description="Source URLs.")


@strawberry.input(description="Changes to a cluster; fields left out stay as they are.")
class UpdateClusterInput:
    key: str = strawberry.field(description="Key of the cluster to change.")
    name: str | None = strawberry.field(default=None, description="English name.")
    name_zh: str | None = strawberry.field(default=None, description="Chinese name.")
    county_key: str | None = strawberry.field(default=None, description="Move it to this county.")
    industry_key: str | None = strawberry.field(default=None, description="Put it in this industry.")
    industry_inferred: bool | None = strawberry.field(
        default=None, description="The industry is a judgement."
    )
    leading_sector: str | None = strawberry.field(default=None, description="Leading sector, English.")
    leading_sector_zh: str | None = strawberry.field(default=None, description="Leading sector, Chinese.")
    output_value_cny: float | None = strawberry.field(default=None, description="Stated output value, yuan.")
    enterprise_count: int | None = strawberry.field(default=None, description="Stated number of enterprises.")
    sources: list[str] | None = strawberry.field(default=None, description="Source URLs (replaces the list).")


@strawberry.input(description="A new enterprise.")
class CreateEnterpriseInput:
    key: str = strawberry.field(description="Its key: lower-case words joined by hyphens.")
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    sources: list[str] = strawberry.field(default_factory=list, description="Source URLs.")


@strawberry.input(description="Changes to an enterprise; fields left out stay as they are.")
class UpdateEnterpriseInput:
    key: str = strawberry.field(description="Key of the enterprise to change.")
    name: str | None = strawberry.field(default=None, description="English name.")
    name_zh: str | None = strawberry.field(default=None, description="Chinese name.")
    sources: list[str] | None = strawberry.field(default=None, description="Source URLs (replaces the list).")


@strawberry.input(description="An enterprise's membership of a cluster.")
class MembershipInput:
    enterprise_key: str = strawberry.field(description="Key of the enterprise (must exist).")
    cluster_key: str = strawberry.field(description="Key of the cluster (must exist).")
    role: str | None = strawberry.field(default=None, description="Its role, English.")
    role_zh: str | None = strawberry.field(default=None, description="Its role, Chinese.")
    sources: list[str] = strawberry.field(default_factory=list, description="Source URLs.")


@strawberry.input(description="A recognition of a cluster at one level (recording it again replaces it).")
class RecognitionInput:
    cluster_key: str = strawberry.field(description="Key of the cluster (must exist).")
    level: RecognitionLevel = strawberry.field(description="Provincial or national.")
    year: int | None = strawberry.field(default=None, description="Year of the batch (its batch must exist).")
    notes: str | None = strawberry.field(default=None, description="What the sources say.")
    sources: list[str] = strawberry.field(default_factory=list, description="Source URLs.")


@strawberry.input(description="A new prefecture-level division.")
class CreateCityInput:
    admin_code: str = strawberry.field(description="Six-digit GB/T 2260 code; also its key.")
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    kind: str = strawberry.field(description="Kind of division, English.")
    kind_zh: str = strawberry.field(description="Kind of division, Chinese.")
    latitude: float | None = strawberry.field(default=None, description="Latitude of the seat.")
    longitude: float | None = strawberry.field(default=None, description="Longitude of the seat.")
    sources: list[str] = strawberry.field(default_factory=list, description="Source URLs.")


@strawberry.input(description="A new county-level division.")
class CreateCountyInput:
    key: str = strawberry.field(description="Its key: lower-case words joined by hyphens.")
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    city_key: str = strawberry.field(description="Key of its city (must exist).")


@strawberry.input(description="A new industry.")
class CreateIndustryInput:
    key: str = strawberry.field(description="Its key: lower-case words joined by hyphens.")
    name: str = strawberry.field(description="English name.")
    name_zh: str = strawberry.field(description="Chinese name.")
    sources: list[str] = strawberry.field(default_factory=list, description="Source URLs.")


# --- payloads ------------------------------------------------------------------------------------------------
# A payload holds the key of what was written; its node field is read by the engine (`read_node`), as the request
# selects it, after the write.


def payload_node(type_name: str, key_attr: str, description: str) -> Any:
    """A payload's node field: the node of `type_name` whose key the payload holds in `key_attr`."""

    async def resolve(root: Any, info: Inf) -> Any:
        return await read_node(info, type_name, getattr(root, key_attr))

    resolve.__annotations__ = {"root": Any, "info": Inf, "return": NODE_CLASSES[type_name] | None}
    return strawberry.field(resolver=resolve, description=description)


@strawberry.type(description="The result of a cluster mutation.")
class ClusterPayload:
    cluster_key: strawberry.Private[str | None]
    cluster: Cluster | None = payload_node(
        "Cluster", "cluster_key", "The cluster as written; null when nothing was."
    )
    errors: list[MutationError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The result of an enterprise mutation.")
class EnterprisePayload:
    enterprise_key: strawberry.Private[str | None]
    enterprise: Enterprise | None = payload_node(
        "Enterprise", "enterprise_key", "The enterprise as written; null when nothing was."
    )
    errors: list[MutationError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The result of a membership mutation.")
class MembershipPayload:
    enterprise_key: strawberry.Private[str | None]
    cluster_key: strawberry.Private[str | None]
    enterprise: Enterprise | None = payload_node("Enterprise", "enterprise_key", "The enterprise.")
    cluster: Cluster | None = payload_node("Cluster", "cluster_key", "The cluster.")
    errors: list[MutationError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The result of recording a recognition.")
class RecognitionPayload:
    recognition_key: strawberry.Private[str | None]
    recognition: Recognition | None = payload_node(
        "Recognition", "recognition_key", "The recognition as written."
    )
    errors: list[MutationError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The result of creating a city.")
class CityPayload:
    city_key: strawberry.Private[str | None]
    city: City | None = payload_node("City", "city_key", "The city as written.")
    errors: list[MutationError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The result of creating a county.")
class CountyPayload:
    county_key: strawberry.Private[str | None]
    county: County | None = payload_node("County", "county_key", "The county as written.")
    errors: list[MutationError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The result of creating an industry.")
class IndustryPayload:
    industry_key: strawberry.Private[str | None]
    industry: Industry | None = payload_node("Industry", "industry_key", "The industry as written.")
    errors: list[MutationError] = strawberry.field(description="Why nothing was written; empty on success.")


@strawberry.type(description="The result of a deletion.")
class DeletePayload:
    deleted_key: str | None = strawberry.field(description="Key of what was deleted; null when nothing was.")
    errors: list[MutationError] = strawberry.field(description="Why nothing was deleted; empty on success.")


# --- helpers -------------------------------------------------------------------------------------------------

_REFERENCE_FIELDS = {
    "missingCounties": ("input.countyKey", "county"),
    "missingIndustries": ("input.industryKey", "industry"),
    "missingCities": ("input.cityKey", "city"),
    "missingClusters": ("input.clusterKey", "cluster"),
    "missingEnterprises": ("input.enterpriseKey", "enterprise"),
    "missingBatches": ("input.year", "batch for that level and year"),
}


def _write_errors(result: WriteResult, what: str, key: str) -> list[MutationError]:
    if result.duplicate:
        return [
            MutationError(
                field="input.key", message=f"a {what} with key {key!r} already exists", code="DUPLICATE"
            )
        ]
    return _errors(missing_references(result.missing, _REFERENCE_FIELDS))


def _not_found(field: str, what: str, key: str) -> list[MutationError]:
    return [MutationError(field=field, message=f"there is no {what} with key {key!r}", code="NOT_FOUND")]


def _sources(value: list[str] | None) -> list[str] | None:
    return [u.strip() for u in value] if value is not None else None


# --- the mutations -------------------------------------------------------------------------------------------

_EDITOR: list[type[BasePermission]] = [EditorOnly]
INPUT_ARG = strawberry.argument(description="What to write.")
KEY_ARG = strawberry.argument(description="Key of the node to delete.")


@strawberry.type(description="Changes to the graph; each needs an editor token and is one transaction.")
class Mutation:
    @strawberry.mutation(
        description="Create a cluster in an existing county and industry.", permission_classes=_EDITOR
    )
    async def create_cluster(
        self, info: Inf, input: Annotated[CreateClusterInput, INPUT_ARG]
    ) -> ClusterPayload:
        c = Checker()
        c.key("key", input.key)
        c.text("name", input.name, required=True)
        c.text("nameZh", input.name_zh, required=True)
        c.key("countyKey", input.county_key)
        c.key("industryKey", input.industry_key)
        c.text("leadingSector", input.leading_sector)
        c.text("leadingSectorZh", input.leading_sector_zh)
        c.non_negative("outputValueCny", input.output_value_cny)
        c.non_negative("enterpriseCount", input.enterprise_count)
        c.sources("sources", input.sources)
        if c.errors:
            return ClusterPayload(cluster_key=None, errors=_errors(c.errors))
        params = {
            "key": input.key, "name": input.name.strip(), "nameZh": input.name_zh.strip(),
            "countyKey": input.county_key, "industryKey": input.industry_key,
            "industryInferred": input.industry_inferred, "leadingSector": input.leading_sector,
            "leadingSectorZh": input.leading_sector_zh, "outputValueCny": input.output_value_cny,
            "enterpriseCount": input.enterprise_count, "sources": _sources(input.sources),
        }  # fmt: skip
        result = await info.context.repo.create_cluster(params)
        if result.duplicate or result.missing:
            return ClusterPayload(cluster_key=None, errors=_write_errors(result, "cluster", input.key))
        return ClusterPayload(cluster_key=result.rows[0]["node"]["id"], errors=[])

    @strawberry.mutation(
        description="Change a cluster's fields, county or industry.", permission_classes=_EDITOR
    )
    async def update_cluster(
        self, info: Inf, input: Annotated[UpdateClusterInput, INPUT_ARG]
    ) -> ClusterPayload:
        c = Checker()
        c.key("key", input.key)
        c.text("name", input.name, required=input.name is not None)
        c.text("nameZh", input.name_zh, required=input.name_zh is not None)
        c.key("countyKey", input.county_key, required=False)
        c.key("industryKey", input.industry_key, required=False)
        c.text("leadingSector", input.leading_sector)
        c.text("leadingSectorZh", input.leading_sector_zh)
        c.non_negative("outputValueCny", input.output_value_cny)
        c.non_negative("enterpriseCount", input.enterprise_count)
        c.sources("sources", input.sources)
        if c.errors:
            return ClusterPayload(cluster_key=None, errors=_errors(c.errors))
        props = {
            "name": input.name, "nameZh": input.name_zh, "leadingSector": input.leading_sector,
            "leadingSectorZh": input.leading_sector_zh, "outputValueCny": input.output_value_cny,
            "enterpriseCount": input.enterprise_count, "sources": _sources(input.sources),
        }  # fmt: skip
        params = {
            "key": input.key,
            "props": {k: v for k, v in props.items() if v is not None},
            "countyKey": input.county_key,
            "industryKey": input.industry_key,
            "industryInferred": input.industry_inferred,
        }
        result = await info.context.repo.update_cluster(params)
        if result.missing:
            errors = _write_errors(result, "cluster", input.key)
            return ClusterPayload(cluster_key=None, errors=[
                MutationError(field="input.key", message=e.message, code=e.code) if e.field == "input.clusterKey" else e
                for e in errors
            ])  # fmt: skip
        return ClusterPayload(cluster_key=result.rows[0]["node"]["id"], errors=[])

    @strawberry.mutation(
        description="Delete a cluster with its recognitions and memberships.", permission_classes=_EDITOR
    )
    async def delete_cluster(self, info: Inf, key: Annotated[str, KEY_ARG]) -> DeletePayload:
        c = Checker("")
        c.key("key", key)
        if c.errors:
            return DeletePayload(deleted_key=None, errors=_errors(c.errors))
        result = await info.context.repo.delete_cluster(key)
        if result.missing:
            return DeletePayload(deleted_key=None, errors=_not_found("key", "cluster", key))
        return DeletePayload(deleted_key=key, errors=[])

    @strawberry.mutation(description="Create an enterprise.", permission_classes=_EDITOR)
    async def create_enterprise(
        self, info: Inf, input: Annotated[CreateEnterpriseInput, INPUT_ARG]
    ) -> EnterprisePayload:
        c = Checker()
        c.key("key", input.key)
        c.text("name", input.name, required=True)
        c.text("nameZh", input.name_zh, required=True)
        c.sources("sources", input.sources)
        if c.errors:
            return EnterprisePayload(enterprise_key=None, errors=_errors(c.errors))
        params = {"key": input.key, "name": input.name.strip(), "nameZh": input.name_zh.strip(),
                  "sources": _sources(input.sources)}  # fmt: skip
        result = await info.context.repo.create_enterprise(params)
        if result.duplicate:
            return EnterprisePayload(
                enterprise_key=None, errors=_write_errors(result, "enterprise", input.key)
            )
        return EnterprisePayload(enterprise_key=result.rows[0]["node"]["id"], errors=[])

    @strawberry.mutation(description="Change an enterprise's names or sources.", permission_classes=_EDITOR)
    async def update_enterprise(
        self, info: Inf, input: Annotated[UpdateEnterpriseInput, INPUT_ARG]
    ) -> EnterprisePayload:
        c = Checker()
        c.key("key", input.key)
        c.text("name", input.name, required=input.name is not None)
        c.text("nameZh", input.name_zh, required=input.name_zh is not None)
        c.sources("sources", input.sources)
        if c.errors:
            return EnterprisePayload(enterprise_key=None, errors=_errors(c.errors))
        props = {"name": input.name, "nameZh": input.name_zh, "sources": _sources(input.sources)}
        params = {"key": input.key, "props": {k: v for k, v in props.items() if v is not None}}
        result = await info.context.repo.update_enterprise(params)
        if result.missing:
            return EnterprisePayload(
                enterprise_key=None, errors=_not_found("input.key", "enterprise", input.key)
            )
        return EnterprisePayload(enterprise_key=result.rows[0]["node"]["id"], errors=[])

    @strawberry.mutation(description="Delete an enterprise and its memberships.", permission_classes=_EDITOR)
    async def delete_enterprise(self, info: Inf, key: Annotated[str, KEY_ARG]) -> DeletePayload:
        c = Checker("")
        c.key("key", key)
        if c.errors:
            return DeletePayload(deleted_key=None, errors=_errors(c.errors))
        result = await info.context.repo.delete_enterprise(key)
        if result.missing:
            return DeletePayload(deleted_key=None, errors=_not_found("key", "enterprise", key))
        return DeletePayload(deleted_key=key, errors=[])

    @strawberry.mutation(description="Make an enterprise a member of a cluster (again: update its role).",
                         permission_classes=_EDITOR)  # fmt: skip
    async def add_membership(
        self, info: Inf, input: Annotated[MembershipInput, INPUT_ARG]
    ) -> MembershipPayload:
        c = Checker()
        c.key("enterpriseKey", input.enterprise_key)
        c.key("clusterKey", input.cluster_key)
        c.text("role", input.role)
        c.text("roleZh", input.role_zh)
        c.sources("sources", input.sources)
        if c.errors:
            return MembershipPayload(enterprise_key=None, cluster_key=None, errors=_errors(c.errors))
        params = {"enterpriseKey": input.enterprise_key, "clusterKey": input.cluster_key, "role": input.role,
                  "roleZh": input.role_zh, "sources": _sources(input.sources)}  # fmt: skip
        result = await info.context.repo.add_membership(params)
        if result.missing:
            return MembershipPayload(
                enterprise_key=None, cluster_key=None, errors=_write_errors(result, "", "")
            )
        row = result.rows[0]
        return MembershipPayload(enterprise_key=row["enterprise"]["id"], cluster_key=row["cluster"]["id"],
                                 errors=[])  # fmt: skip

    @strawberry.mutation(
        description="End an enterprise's membership of a cluster.", permission_classes=_EDITOR
    )
    async def remove_membership(
        self, info: Inf,
        enterprise_key: Annotated[str, strawberry.argument(description="Key of the enterprise.")],
        cluster_key: Annotated[str, strawberry.argument(description="Key of the cluster.")],
    ) -> DeletePayload:  # fmt: skip
        c = Checker("")
        c.key("enterpriseKey", enterprise_key)
        c.key("clusterKey", cluster_key)
        if c.errors:
            return DeletePayload(deleted_key=None, errors=_errors(c.errors))
        params = {"enterpriseKey": enterprise_key, "clusterKey": cluster_key}
        result = await info.context.repo.remove_membership(params)
        if not result.rows or result.rows[0]["deleted"] == 0:
            message = f"{enterprise_key!r} is not a member of {cluster_key!r}"
            return DeletePayload(deleted_key=None, errors=[MutationError(field="clusterKey", message=message,
                                                                         code="NOT_FOUND")])  # fmt: skip
        return DeletePayload(deleted_key=f"{enterprise_key}/{cluster_key}", errors=[])

    @strawberry.mutation(description="Record a cluster's recognition at a level (replacing an earlier record).",
                         permission_classes=_EDITOR)  # fmt: skip
    async def record_recognition(
        self, info: Inf, input: Annotated[RecognitionInput, INPUT_ARG]
    ) -> RecognitionPayload:
        c = Checker()
        c.key("clusterKey", input.cluster_key)
        c.year("year", input.year)
        c.text("notes", input.notes, limit=5000)
        c.sources("sources", input.sources)
        if c.errors:
            return RecognitionPayload(recognition_key=None, errors=_errors(c.errors))
        level = input.level.name
        batch = f"{level.lower()}-{input.year}" if input.year is not None else None
        params = {"clusterKey": input.cluster_key, "key": f"{input.cluster_key}/{level.lower()}", "level": level,
                  "year": input.year, "notes": input.notes, "sources": _sources(input.sources), "batchKey": batch}  # fmt: skip
        result = await info.context.repo.record_recognition(params)
        if result.missing:
            return RecognitionPayload(recognition_key=None, errors=_write_errors(result, "", ""))
        return RecognitionPayload(recognition_key=result.rows[0]["node"]["id"], errors=[])

    @strawberry.mutation(description="Remove a cluster's recognition at a level.", permission_classes=_EDITOR)
    async def remove_recognition(
        self, info: Inf,
        cluster_key: Annotated[str, strawberry.argument(description="Key of the cluster.")],
        level: Annotated[RecognitionLevel, strawberry.argument(description="The level to remove.")],
    ) -> DeletePayload:  # fmt: skip
        c = Checker("")
        c.key("clusterKey", cluster_key)
        if c.errors:
            return DeletePayload(deleted_key=None, errors=_errors(c.errors))
        key = f"{cluster_key}/{level.name.lower()}"
        result = await info.context.repo.remove_recognition({"clusterKey": cluster_key, "key": key})
        if not result.rows or result.rows[0]["deleted"] == 0:
            return DeletePayload(deleted_key=None, errors=_not_found("clusterKey", "recognition", key))
        return DeletePayload(deleted_key=key, errors=[])

    @strawberry.mutation(description="Create a prefecture-level division.", permission_classes=_EDITOR)
    async def create_city(self, info: Inf, input: Annotated[CreateCityInput, INPUT_ARG]) -> CityPayload:
        c = Checker()
        c.admin_code("adminCode", input.admin_code)
        for name, value in (("name", input.name), ("nameZh", input.name_zh), ("kind", input.kind),
                            ("kindZh", input.kind_zh)):  # fmt: skip
            c.text(name, value, required=True)
        c.coordinate("latitude", input.latitude, 90)
        c.coordinate("longitude", input.longitude, 180)
        c.sources("sources", input.sources)
        if c.errors:
            return CityPayload(city_key=None, errors=_errors(c.errors))
        params = {"key": input.admin_code, "provinceKey": _PROVINCE_KEY, "name": input.name.strip(),
                  "nameZh": input.name_zh.strip(), "kind": input.kind, "kindZh": input.kind_zh,
                  "latitude": input.latitude, "longitude": input.longitude, "sources": _sources(input.sources)}  # fmt: skip
        result = await info.context.repo.create_city(params)
        if result.duplicate:
            return CityPayload(city_key=None, errors=[MutationError(
                field="input.adminCode", message=f"a city with code {input.admin_code!r} already exists",
                code="DUPLICATE")])  # fmt: skip
        if not result.rows:
            return CityPayload(city_key=None, errors=_not_found("input.adminCode", "province", _PROVINCE_KEY))
        return CityPayload(city_key=result.rows[0]["node"]["id"], errors=[])

    @strawberry.mutation(
        description="Create a county-level division in an existing city.", permission_classes=_EDITOR
    )
    async def create_county(self, info: Inf, input: Annotated[CreateCountyInput, INPUT_ARG]) -> CountyPayload:
        c = Checker()
        c.key("key", input.key)
        c.text("name", input.name, required=True)
        c.text("nameZh", input.name_zh, required=True)
        c.key("cityKey", input.city_key)
        if c.errors:
            return CountyPayload(county_key=None, errors=_errors(c.errors))
        params = {"key": input.key, "name": input.name.strip(), "nameZh": input.name_zh.strip(),
                  "cityKey": input.city_key}  # fmt: skip
        result = await info.context.repo.create_county(params)
        if result.duplicate or result.missing:
            return CountyPayload(county_key=None, errors=_write_errors(result, "county", input.key))
        return CountyPayload(county_key=result.rows[0]["node"]["id"], errors=[])

    @strawberry.mutation(description="Create an industry.", permission_classes=_EDITOR)
    async def create_industry(
        self, info: Inf, input: Annotated[CreateIndustryInput, INPUT_ARG]
    ) -> IndustryPayload:
        c = Checker()
        c.key("key", input.key)
        c.text("name", input.name, required=True)
        c.text("nameZh", input.name_zh, required=True)
        c.sources("sources", input.sources)
        if c.errors:
            return IndustryPayload(industry_key=None, errors=_errors(c.errors))
        params = {"key": input.key, "name": input.name.strip(), "nameZh": input.name_zh.strip(),
                  "sources": _sources(input.sources)}  # fmt: skip
        result = await info.context.repo.create_industry(params)
        if result.duplicate:
            return IndustryPayload(industry_key=None, errors=_write_errors(result, "industry", input.key))
        return IndustryPayload(industry_key=result.rows[0]["node"]["id"], errors=[])
