from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.role_ref import RoleRef


T = TypeVar("T", bound="OrganizationMembership")


@_attrs_define
class OrganizationMembership:
    """
    Attributes:
        object_ (str): Always `organization_membership`.
        id (str):
        user_id (str):
        organization_id (str):
        role (RoleRef):
        status (str): active | inactive | pending
        kind (str): member | guest
        source (str): manual | invitation | jit | scim
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    object_: str
    id: str
    user_id: str
    organization_id: str
    role: RoleRef
    status: str
    kind: str
    source: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        id = self.id

        user_id = self.user_id

        organization_id = self.organization_id

        role = self.role.to_dict()

        status = self.status

        kind = self.kind

        source = self.source

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "id": id,
                "user_id": user_id,
                "organization_id": organization_id,
                "role": role,
                "status": status,
                "kind": kind,
                "source": source,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.role_ref import RoleRef

        d = dict(src_dict)
        object_ = d.pop("object")

        id = d.pop("id")

        user_id = d.pop("user_id")

        organization_id = d.pop("organization_id")

        role = RoleRef.from_dict(d.pop("role"))

        status = d.pop("status")

        kind = d.pop("kind")

        source = d.pop("source")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        organization_membership = cls(
            object_=object_,
            id=id,
            user_id=user_id,
            organization_id=organization_id,
            role=role,
            status=status,
            kind=kind,
            source=source,
            created_at=created_at,
            updated_at=updated_at,
        )

        organization_membership.additional_properties = d
        return organization_membership

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
